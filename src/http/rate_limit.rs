//! Rate limits: a bucket per API key (sized by its role) and per client address for requests
//! without a key, announced with the `RateLimit-Policy` and `RateLimit` fields of
//! draft-ietf-httpapi-ratelimit-headers-10; past the limit, a 429 problem with `Retry-After`.

use std::{
    future::{Ready, ready},
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    rc::Rc,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use actix_web::{
    ResponseError,
    body::{EitherBody, MessageBody},
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
    http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER},
    web,
};
use futures_util::future::LocalBoxFuture;
use governor::{
    Quota, clock::DefaultClock, middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
};
use ipnet::IpNet;

use super::AppState;
use crate::{
    auth::{Caller, Role},
    error::{AppError, ErrorKind},
};

/// Requests per minute allowed by default from one client address without a key.
pub const DEFAULT_ANONYMOUS: u32 = 600;
/// … with a `content` key (a frontend renders every page with one).
pub const DEFAULT_CONTENT: u32 = 6_000;
/// … with a `partner` key (syndication polls and fetches).
pub const DEFAULT_PARTNER: u32 = 1_200;
/// … with a `contributor` key.
pub const DEFAULT_CONTRIBUTOR: u32 = 1_200;
/// … with an `editor` key.
pub const DEFAULT_EDITOR: u32 = 3_000;
/// … with an `admin` key.
pub const DEFAULT_ADMIN: u32 = 3_000;

/// Paths no limit applies to: probes and the metrics scrape.
pub const EXEMPT: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// How often buckets that have refilled are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// The window every quota is expressed over, in seconds (`w` in `RateLimit-Policy`).
const WINDOW_SECS: u32 = 60;

pub static RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub static RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// Requests per minute for each kind of caller (0 for no limit), and which peers may say who
/// the client is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Per client address, for requests without a valid key.
    pub anonymous: u32,
    pub content: u32,
    pub partner: u32,
    pub contributor: u32,
    pub editor: u32,
    pub admin: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client; empty: the peer is the client.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            anonymous: DEFAULT_ANONYMOUS,
            content: DEFAULT_CONTENT,
            partner: DEFAULT_PARTNER,
            contributor: DEFAULT_CONTRIBUTOR,
            editor: DEFAULT_EDITOR,
            admin: DEFAULT_ADMIN,
            trusted_proxies: Vec::new(),
        }
    }
}

impl RateLimits {
    /// No limit for anyone.
    pub fn unlimited() -> Self {
        RateLimits {
            anonymous: 0,
            content: 0,
            partner: 0,
            contributor: 0,
            editor: 0,
            admin: 0,
            trusted_proxies: Vec::new(),
        }
    }
}

/// `byline serve` flags for [`RateLimits`].
#[derive(Debug, Clone, clap::Args)]
pub struct RateLimitArgs {
    /// Requests per minute from one client address without a key (0: no limit).
    #[arg(long, env = "BYLINE_RATE_LIMIT_ANONYMOUS", default_value_t = DEFAULT_ANONYMOUS)]
    pub rate_limit_anonymous: u32,
    /// Requests per minute with one `content` key (0: no limit).
    #[arg(long, env = "BYLINE_RATE_LIMIT_CONTENT", default_value_t = DEFAULT_CONTENT)]
    pub rate_limit_content: u32,
    /// Requests per minute with one `partner` key (0: no limit).
    #[arg(long, env = "BYLINE_RATE_LIMIT_PARTNER", default_value_t = DEFAULT_PARTNER)]
    pub rate_limit_partner: u32,
    /// Requests per minute with one `contributor` key (0: no limit).
    #[arg(long, env = "BYLINE_RATE_LIMIT_CONTRIBUTOR", default_value_t = DEFAULT_CONTRIBUTOR)]
    pub rate_limit_contributor: u32,
    /// Requests per minute with one `editor` key (0: no limit).
    #[arg(long, env = "BYLINE_RATE_LIMIT_EDITOR", default_value_t = DEFAULT_EDITOR)]
    pub rate_limit_editor: u32,
    /// Requests per minute with one `admin` key (0: no limit).
    #[arg(long, env = "BYLINE_RATE_LIMIT_ADMIN", default_value_t = DEFAULT_ADMIN)]
    pub rate_limit_admin: u32,
    /// Comma-separated addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For`
    /// names the client (default: none, the connecting address is the client).
    #[arg(long, env = "BYLINE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<IpNet>,
}

impl RateLimitArgs {
    pub fn settings(&self) -> RateLimits {
        RateLimits {
            anonymous: self.rate_limit_anonymous,
            content: self.rate_limit_content,
            partner: self.rate_limit_partner,
            contributor: self.rate_limit_contributor,
            editor: self.rate_limit_editor,
            admin: self.rate_limit_admin,
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }
}

/// An address (`10.0.0.1`, a network of one) or a range (`10.0.0.0/8`, `fd00::/8`).
pub fn parse_net(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is neither an IP address nor a CIDR range"))
}

/// The client of a request: the peer, or, when the peer is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not one (read from the right, since each proxy
/// appends the address it saw and only the trusted ones can be believed).
pub fn client_address<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer?;
    if !is_trusted(&client) {
        return Some(client);
    }
    let hops = forwarded_for
        .rev()
        .flat_map(|value| value.rsplit(','))
        .map(str::trim);
    for hop in hops {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // Whatever is left of an unreadable entry cannot be believed.
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// The bucket an address counts against: itself for IPv4, its /64 for IPv6 (one host
/// usually holds a whole /64, and could otherwise take a new bucket per request).
pub fn bucket_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(
                u128::from(v6) & 0xffff_ffff_ffff_ffff_0000_0000_0000_0000,
            )),
        },
    }
}

type Keyed<K> =
    governor::RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// One policy: its name, quota and a bucket per key.
struct Policy<K: std::hash::Hash + Eq + Clone> {
    name: &'static str,
    per_minute: u32,
    buckets: Keyed<K>,
    /// `RateLimit-Policy`, the same on every response.
    header: HeaderValue,
}

impl<K: std::hash::Hash + Eq + Clone> Policy<K> {
    fn new(name: &'static str, per_minute: u32) -> Option<Self> {
        let burst = NonZeroU32::new(per_minute)?;
        let header =
            HeaderValue::from_str(&format!("\"{name}\";q={per_minute};w={WINDOW_SECS}")).ok()?;
        Some(Policy {
            name,
            per_minute,
            buckets: governor::RateLimiter::keyed(Quota::per_minute(burst))
                .with_middleware::<StateInformationMiddleware>(),
            header,
        })
    }

    fn check(&self, key: &K) -> Decision {
        match self.buckets.check_key(key) {
            Ok(state) => {
                // GCRA gives one unit back every interval: that is when more quota comes.
                let interval = state.quota().replenish_interval();
                Decision::Allowed(self.fields(state.remaining_burst_capacity(), interval))
            }
            Err(not_until) => {
                let wait =
                    not_until.wait_time_from(governor::clock::Clock::now(self.buckets.clock()));
                Decision::Refused(Refusal {
                    fields: self.fields(0, wait),
                    retry_after: whole_seconds(wait),
                    policy: self.name,
                    per_minute: self.per_minute,
                })
            }
        }
    }

    fn fields(&self, remaining: u32, reset: Duration) -> Fields {
        let name = self.name;
        let state = format!("\"{name}\";r={remaining};t={}", whole_seconds(reset));
        Fields {
            policy: self.header.clone(),
            state: HeaderValue::from_str(&state).unwrap_or_else(|_| self.header.clone()),
        }
    }

    fn sweep(&self) {
        self.buckets.retain_recent();
        self.buckets.shrink_to_fit();
    }
}

/// Seconds, rounded up, at least 1: waiting less than asked would only be refused again.
fn whole_seconds(d: Duration) -> u64 {
    d.as_secs_f64().ceil().max(1.0) as u64
}

/// The two fields that tell a client where it stands.
#[derive(Debug, Clone)]
pub struct Fields {
    pub policy: HeaderValue,
    pub state: HeaderValue,
}

impl Fields {
    fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(RATELIMIT_POLICY.clone(), self.policy.clone());
        headers.insert(RATELIMIT.clone(), self.state.clone());
    }
}

/// A request refused by its policy.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub fields: Fields,
    /// Seconds until one more request is allowed.
    pub retry_after: u64,
    pub policy: &'static str,
    pub per_minute: u32,
}

/// What a policy says of one request.
#[derive(Debug, Clone)]
pub enum Decision {
    /// No limit applies.
    Unlimited,
    Allowed(Fields),
    Refused(Refusal),
}

/// Who a request counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// A valid key: its own bucket, sized by its role.
    Key { id: String, role: Role },
    /// No key (or one that is not valid): the bucket of the client's address.
    Address(IpAddr),
}

impl Client {
    pub fn of(caller: Option<&Caller>, address: Option<IpAddr>) -> Self {
        match caller {
            Some(caller) => Client::Key {
                id: caller.key_id.clone(),
                role: caller.role,
            },
            // Without an address (not a TCP peer) every such request shares one bucket.
            None => Client::Address(bucket_of(
                address.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            )),
        }
    }
}

/// Every policy's buckets, shared by all workers. Memory is bounded by the clients seen in
/// the last minute: a bucket that has refilled is forgotten within [`SWEEP_EVERY`].
pub struct RateLimiter {
    anonymous: Option<Policy<IpAddr>>,
    content: Option<Policy<String>>,
    partner: Option<Policy<String>>,
    contributor: Option<Policy<String>>,
    editor: Option<Policy<String>>,
    admin: Option<Policy<String>>,
    trusted_proxies: Vec<IpNet>,
    started: Instant,
    /// Milliseconds after `started` when the next sweep is due.
    next_sweep: AtomicU64,
}

impl RateLimiter {
    pub fn new(limits: &RateLimits) -> Self {
        RateLimiter {
            anonymous: Policy::new("anonymous", limits.anonymous),
            content: Policy::new(Role::Content.as_str(), limits.content),
            partner: Policy::new(Role::Partner.as_str(), limits.partner),
            contributor: Policy::new(Role::Contributor.as_str(), limits.contributor),
            editor: Policy::new(Role::Editor.as_str(), limits.editor),
            admin: Policy::new(Role::Admin.as_str(), limits.admin),
            trusted_proxies: limits.trusted_proxies.clone(),
            started: Instant::now(),
            next_sweep: AtomicU64::new(millis(SWEEP_EVERY)),
        }
    }

    fn for_role(&self, role: Role) -> Option<&Policy<String>> {
        match role {
            Role::Content => self.content.as_ref(),
            Role::Partner => self.partner.as_ref(),
            Role::Contributor => self.contributor.as_ref(),
            Role::Editor => self.editor.as_ref(),
            Role::Admin => self.admin.as_ref(),
        }
    }

    /// Whether no policy limits anything (then requests pass untouched, keys unread).
    fn is_off(&self) -> bool {
        self.anonymous.is_none() && Role::ALL.iter().all(|role| self.for_role(*role).is_none())
    }

    /// Counts one request of `client` and says whether it may go on.
    pub fn check(&self, client: &Client) -> Decision {
        self.sweep_if_due();
        let decision = match client {
            Client::Key { id, role } => self.for_role(*role).map(|p| p.check(id)),
            Client::Address(ip) => self.anonymous.as_ref().map(|p| p.check(ip)),
        };
        decision.unwrap_or(Decision::Unlimited)
    }

    /// The client address of a request, as the trusted proxies say.
    pub fn client_address(&self, req: &ServiceRequest) -> Option<IpAddr> {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>();
        client_address(
            req.peer_addr().map(|a| a.ip()),
            forwarded.into_iter(),
            &self.trusted_proxies,
        )
    }

    /// Buckets tracked now, over every policy.
    pub fn tracked(&self) -> usize {
        let keyed = [
            &self.content,
            &self.partner,
            &self.contributor,
            &self.editor,
            &self.admin,
        ];
        self.anonymous.as_ref().map_or(0, |p| p.buckets.len())
            + keyed
                .iter()
                .filter_map(|p| p.as_ref())
                .map(|p| p.buckets.len())
                .sum::<usize>()
    }

    /// Forgets refilled buckets, at most once per [`SWEEP_EVERY`], on whichever request
    /// finds it due (no background task to start or stop).
    fn sweep_if_due(&self) {
        let now = millis(self.started.elapsed());
        let due = self.next_sweep.load(Ordering::Relaxed);
        if now < due
            || self
                .next_sweep
                .compare_exchange(
                    due,
                    now + millis(SWEEP_EVERY),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        self.sweep();
    }

    /// Forgets every bucket that has refilled.
    pub fn sweep(&self) {
        if let Some(p) = &self.anonymous {
            p.sweep();
        }
        for p in [
            &self.content,
            &self.partner,
            &self.contributor,
            &self.editor,
            &self.admin,
        ]
        .into_iter()
        .flatten()
        {
            p.sweep();
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The middleware: counts each request against its client's policy, adds the fields to the
/// response, and answers 429 past the limit.
pub struct RateLimit;

impl<S, B> Transform<S, ServiceRequest> for RateLimit
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = RateLimitService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RateLimitService {
            service: Rc::new(service),
        }))
    }
}

pub struct RateLimitService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for RateLimitService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().cloned();
            let Some(state) =
                state.filter(|s| !s.rate_limits.is_off() && !EXEMPT.contains(&req.path()))
            else {
                return service.call(req).await.map(|r| r.map_into_left_body());
            };
            let limiter = &state.rate_limits;
            // A key that is not valid counts as none. The lookup is kept with the request, so
            // the handler does not repeat it (`auth::optional_caller`).
            let caller = super::auth::optional_caller(req.request())
                .await
                .ok()
                .flatten();
            let client = Client::of(caller.as_ref(), limiter.client_address(&req));
            match limiter.check(&client) {
                Decision::Unlimited => service.call(req).await.map(|r| r.map_into_left_body()),
                Decision::Allowed(fields) => {
                    let mut response = service.call(req).await?;
                    fields.apply(response.headers_mut());
                    Ok(response.map_into_left_body())
                }
                Decision::Refused(refusal) => {
                    state.metrics.rate_limited(refusal.policy);
                    Ok(req.into_response(refused(&refusal)).map_into_right_body())
                }
            }
        })
    }
}

/// The 429 problem for a refused request, with its fields and exact `Retry-After`.
fn refused(refusal: &Refusal) -> actix_web::HttpResponse {
    let err = AppError::new(
        ErrorKind::RateLimited,
        format!(
            "over the `{}` rate limit of {} requests per minute; retry in {} s",
            refusal.policy, refusal.per_minute, refusal.retry_after
        ),
    );
    let mut response = err.error_response();
    refusal.fields.apply(response.headers_mut());
    if let Ok(value) = HeaderValue::from_str(&refusal.retry_after.to_string()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxies = vec![
            parse_net("10.0.0.0/8").expect("net"),
            parse_net("::1").expect("ip"),
        ];
        let header = ["203.0.113.9, 198.51.100.7"];
        // An untrusted peer is the client, whatever it claims.
        assert_eq!(
            client_address(Some(ip("192.0.2.1")), header.into_iter(), &proxies),
            Some(ip("192.0.2.1"))
        );
        // Behind a trusted proxy: the nearest untrusted hop, not the left-most (forgeable).
        assert_eq!(
            client_address(Some(ip("10.1.2.3")), header.into_iter(), &proxies),
            Some(ip("198.51.100.7"))
        );
        // Trusted hops are skipped; several header lines read as one list.
        assert_eq!(
            client_address(
                Some(ip("::1")),
                ["203.0.113.9", "10.0.0.5"].into_iter(),
                &proxies
            ),
            Some(ip("203.0.113.9"))
        );
        // A garbled entry stops the walk at the last believable hop.
        assert_eq!(
            client_address(Some(ip("10.1.2.3")), ["evil, junk"].into_iter(), &proxies),
            Some(ip("10.1.2.3"))
        );
        // Without trusted proxies the header is ignored.
        assert_eq!(
            client_address(Some(ip("10.1.2.3")), header.into_iter(), &[]),
            Some(ip("10.1.2.3"))
        );
        assert!(parse_net("not-an-address").is_err());
    }

    #[test]
    fn ipv6_clients_share_their_64_and_mapped_ipv4_is_ipv4() {
        assert_eq!(
            bucket_of(ip("2001:db8:1:2:aaaa::1")),
            bucket_of(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            bucket_of(ip("2001:db8:1:2::1")),
            bucket_of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(bucket_of(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn a_policy_refuses_past_its_quota_and_says_so_in_its_fields() {
        let limiter = RateLimiter::new(&RateLimits {
            anonymous: 2,
            ..RateLimits::unlimited()
        });
        let client = Client::Address(ip("192.0.2.1"));
        let Decision::Allowed(first) = limiter.check(&client) else {
            panic!("the first request is allowed");
        };
        assert_eq!(first.policy, "\"anonymous\";q=2;w=60");
        // Two per minute: one unit comes back every 30 s.
        assert_eq!(first.state, "\"anonymous\";r=1;t=30");
        assert!(matches!(limiter.check(&client), Decision::Allowed(_)));
        let Decision::Refused(refusal) = limiter.check(&client) else {
            panic!("the third request is refused");
        };
        assert!((1..=30).contains(&refusal.retry_after), "{refusal:?}");
        assert_eq!(
            refusal.fields.state,
            format!("\"anonymous\";r=0;t={}", refusal.retry_after).as_str()
        );
        // Another address has a bucket of its own; keys are unlimited here.
        assert!(matches!(
            limiter.check(&Client::Address(ip("192.0.2.2"))),
            Decision::Allowed(_)
        ));
        let key = Client::Key {
            id: "k".into(),
            role: Role::Content,
        };
        assert!(matches!(limiter.check(&key), Decision::Unlimited));
    }

    #[test]
    fn refilled_buckets_are_forgotten() {
        let limiter = RateLimiter::new(&RateLimits {
            // One unit back every 100 µs.
            anonymous: 600_000,
            ..RateLimits::unlimited()
        });
        for n in 0..100u8 {
            limiter.check(&Client::Address(IpAddr::from([192, 0, 2, n])));
        }
        assert_eq!(limiter.tracked(), 100);
        std::thread::sleep(Duration::from_millis(5));
        limiter.sweep();
        assert_eq!(limiter.tracked(), 0);
    }
}
