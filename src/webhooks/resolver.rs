//! The dispatcher's resolver: looks a receiver's host up once (DNS, or a fixed table), refuses
//! the connection when any address is not allowed (`domain::webhook_target`), and gives ureq
//! only the addresses it vetted, so the name is not resolved again between check and connect
//! (a DNS answer that changes later, DNS rebinding, cannot slip through).

use std::{
    collections::HashMap,
    io,
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use ureq::{
    config::Config,
    http::Uri,
    unversioned::{
        resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver},
        transport::NextTimeout,
    },
};

use crate::domain::webhook_target::TargetPolicy;

/// Names answered from a table instead of DNS, like curl's `--resolve`: tests use it to make a
/// public-looking name point anywhere. Answers are vetted like DNS answers.
#[derive(Debug, Clone, Default)]
pub struct Hosts(HashMap<String, Vec<IpAddr>>);

impl Hosts {
    /// `name` resolves to `address` (as well as to any address added before).
    pub fn insert(&mut self, name: &str, address: IpAddr) {
        self.0
            .entry(name.trim_end_matches('.').to_ascii_lowercase())
            .or_default()
            .push(address);
    }

    fn lookup(&self, host: &str) -> Option<&[IpAddr]> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.0.get(&host).map(Vec::as_slice)
    }
}

/// A connection not made because the target is not allowed; the message says why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The refusal inside a ureq error, if it is one.
pub fn refusal(error: &ureq::Error) -> Option<&Refused> {
    match error {
        ureq::Error::Io(e) => e.get_ref()?.downcast_ref::<Refused>(),
        _ => None,
    }
}

/// System DNS (or `Hosts`) with every answer checked against the policy.
#[derive(Debug)]
pub struct VettingResolver {
    targets: Arc<TargetPolicy>,
    hosts: Hosts,
    system: DefaultResolver,
}

impl VettingResolver {
    pub fn new(targets: Arc<TargetPolicy>, hosts: Hosts) -> Self {
        VettingResolver {
            targets,
            hosts,
            system: DefaultResolver::default(),
        }
    }

    /// The table's answer for `uri`, with the URI's port.
    fn table_answer(&self, uri: &Uri) -> Option<ResolvedSocketAddrs> {
        let addresses = self.hosts.lookup(uri.host()?)?;
        let port = uri.port_u16().or(match uri.scheme_str()? {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        })?;
        let mut resolved = self.system.empty();
        for ip in addresses {
            // ureq keeps a few addresses per answer; the rest are dropped, as from DNS.
            if resolved.try_push(SocketAddr::new(*ip, port)).is_err() {
                break;
            }
        }
        Some(resolved)
    }
}

impl Resolver for VettingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = match self.table_answer(uri) {
            Some(resolved) if !resolved.is_empty() => resolved,
            _ => self.system.resolve(uri, config, timeout)?,
        };
        let addresses: Vec<IpAddr> = resolved.iter().map(SocketAddr::ip).collect();
        self.targets
            .check_addresses(uri.host().unwrap_or_default(), &addresses)
            .map_err(|why| {
                ureq::Error::Io(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    Refused(why),
                ))
            })?;
        Ok(resolved)
    }
}
