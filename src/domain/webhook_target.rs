//! Where webhooks may be sent: public hosts, plus the private ranges and names an operator
//! lists (`--webhook-allow-private`). Pure: subscriptions are checked on their parsed URL, and
//! the dispatcher's resolver asks about every address a host resolved to.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    str::FromStr,
};

use url::{Host, Url};

/// An address range, `10.0.0.0/8` or `fd00::/8`; a bare address is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The first address (host bits cleared).
    base: IpAddr,
    prefix: u8,
}

impl Cidr {
    const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Cidr {
        Cidr {
            base: IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
            prefix,
        }
    }

    const fn v6(first: u16, second: u16, third: u16, prefix: u8) -> Cidr {
        Cidr {
            base: IpAddr::V6(Ipv6Addr::new(first, second, third, 0, 0, 0, 0, 0)),
            prefix,
        }
    }

    /// A range from any address in it.
    fn new(addr: IpAddr, prefix: u8) -> Cidr {
        let base = match addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask32(prefix))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask128(prefix))),
        };
        Cidr { base, prefix }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                u32::from(ip) & mask32(self.prefix) == u32::from(base)
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                u128::from(ip) & mask128(self.prefix) == u128::from(base)
            }
            _ => false,
        }
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{raw}` is not an address range such as 10.0.0.0/8 or fd00::/8");
        let (addr, prefix) = match raw.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (raw, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Cidr::new(addr, prefix))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// IPv4 ranges that are not the public internet, with what they are (RFC 6890's registry).
const IPV4_RANGES: [(Cidr, &str); 16] = [
    (Cidr::v4(0, 0, 0, 0, 8), "unspecified"),
    (Cidr::v4(10, 0, 0, 0, 8), "private"),
    (Cidr::v4(100, 64, 0, 0, 10), "shared address space (CGNAT)"),
    (Cidr::v4(127, 0, 0, 0, 8), "loopback"),
    (Cidr::v4(169, 254, 0, 0, 16), "link-local, cloud metadata"),
    (Cidr::v4(172, 16, 0, 0, 12), "private"),
    (Cidr::v4(192, 0, 0, 0, 24), "IETF protocol assignments"),
    (Cidr::v4(192, 0, 2, 0, 24), "documentation"),
    (Cidr::v4(192, 88, 99, 0, 24), "6to4 relay anycast"),
    (Cidr::v4(192, 168, 0, 0, 16), "private"),
    (Cidr::v4(198, 18, 0, 0, 15), "benchmarking"),
    (Cidr::v4(198, 51, 100, 0, 24), "documentation"),
    (Cidr::v4(203, 0, 113, 0, 24), "documentation"),
    (Cidr::v4(224, 0, 0, 0, 4), "multicast"),
    (Cidr::v4(255, 255, 255, 255, 32), "broadcast"),
    (Cidr::v4(240, 0, 0, 0, 4), "reserved"),
];

/// IPv6 ranges that are not the public internet. Anything outside 2000::/3 (global unicast)
/// is refused as well; IPv4-mapped, NAT64 and 6to4 addresses are judged by the IPv4 address
/// they carry.
const IPV6_RANGES: [(Cidr, &str); 11] = [
    (Cidr::v6(0, 0, 0, 128), "unspecified"),
    (
        Cidr {
            base: IpAddr::V6(Ipv6Addr::LOCALHOST),
            prefix: 128,
        },
        "loopback",
    ),
    (Cidr::v6(0, 0, 0, 96), "IPv4-compatible (deprecated)"),
    (Cidr::v6(0x64, 0xff9b, 1, 48), "local-use NAT64"),
    (Cidr::v6(0x100, 0, 0, 64), "discard-only"),
    (Cidr::v6(0x2001, 0xdb8, 0, 32), "documentation"),
    (Cidr::v6(0x2001, 0, 0, 23), "IETF protocol assignments"),
    (Cidr::v6(0x3fff, 0, 0, 20), "documentation"),
    (Cidr::v6(0xfc00, 0, 0, 7), "unique local (private)"),
    (Cidr::v6(0xfe80, 0, 0, 10), "link-local"),
    (Cidr::v6(0xfec0, 0, 0, 10), "site-local (deprecated)"),
];
const IPV6_MULTICAST: Cidr = Cidr::v6(0xff00, 0, 0, 8);
const IPV6_GLOBAL_UNICAST: Cidr = Cidr::v6(0x2000, 0, 0, 3);
const NAT64: Cidr = Cidr::v6(0x64, 0xff9b, 0, 96);
const SIX_TO_FOUR: Cidr = Cidr::v6(0x2002, 0, 0, 16);

/// What kind of non-public address `ip` is, or `None` when it is a public one.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    IPV4_RANGES
        .iter()
        .find(|(range, _)| range.contains(IpAddr::V4(ip)))
        .map(|(_, kind)| *kind)
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_kind(v4);
    }
    let bits = u128::from(ip);
    // Both carry an IPv4 address that a gateway connects to: judge that one.
    if NAT64.contains(IpAddr::V6(ip)) {
        return v4_kind(Ipv4Addr::from(bits as u32));
    }
    if SIX_TO_FOUR.contains(IpAddr::V6(ip)) {
        return v4_kind(Ipv4Addr::from((bits >> 80) as u32));
    }
    if let Some((_, kind)) = IPV6_RANGES
        .iter()
        .find(|(range, _)| range.contains(IpAddr::V6(ip)))
    {
        return Some(kind);
    }
    if IPV6_MULTICAST.contains(IpAddr::V6(ip)) {
        return Some("multicast");
    }
    (!IPV6_GLOBAL_UNICAST.contains(IpAddr::V6(ip))).then_some("reserved")
}

/// Why a host name is internal, or `None`. `name` is lower-case without a trailing dot.
fn internal_name(name: &str) -> Option<&'static str> {
    /// Top-level names that are never public: special-use (RFC 6761, 6762, 8375) and the ones
    /// networks commonly use inside (ICANN keeps `.internal` for that).
    const INTERNAL_SUFFIXES: [&str; 9] = [
        "internal",
        "local",
        "localdomain",
        "lan",
        "home",
        "corp",
        "intranet",
        "private",
        "arpa",
    ];
    let last = name.rsplit('.').next().unwrap_or(name);
    if name == "localhost" || last == "localhost" {
        Some("the server itself")
    } else if name == "metadata.google.internal" {
        Some("a cloud metadata service")
    } else if !name.contains('.') {
        Some("a name without a domain, completed on the server's own network")
    } else if INTERNAL_SUFFIXES.contains(&last) {
        Some("an internal domain")
    } else {
        None
    }
}

/// A host as compared: lower case, without IPv6 brackets or a trailing dot.
fn normalized_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// What webhooks may reach beyond the public internet: address ranges and host names an
/// operator listed. The default allows nothing private.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    ranges: Vec<Cidr>,
    /// Trusted names: accepted at subscription and wherever they resolve.
    hosts: Vec<String>,
}

/// Said after every refusal of a subscription's host, so admins know where the rule lives.
const HOW_TO_ALLOW: &str =
    "webhooks reach public hosts only, unless the operator allows it (--webhook-allow-private)";

impl TargetPolicy {
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.hosts.is_empty()
    }

    fn allows_name(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| *h == normalized_host(host))
    }

    fn allows_address(&self, ip: IpAddr) -> bool {
        let mapped = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.ranges
            .iter()
            .any(|r| r.contains(ip) || mapped.is_some_and(|v4| r.contains(v4)))
    }

    /// At subscription: the URL as parsed (WHATWG rules, as browsers read it: `127.1`,
    /// `2130706433` and `0x7f000001` are all 127.0.0.1), if webhooks may be sent there; else
    /// why not, as a message about the `url` field. Store and call the returned form, so what
    /// was checked is what is called.
    pub fn check_url(&self, raw: &str) -> Result<Url, String> {
        let url = Url::parse(raw).map_err(|e| format!("must be an absolute http(s) URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must be an absolute http(s) URL".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                "must not carry a user name or password (`user:pass@`): receivers check the \
                 signature instead"
                    .into(),
            );
        }
        let refused = match url.host() {
            None => return Err("must name a host".into()),
            Some(Host::Ipv4(ip)) => self.address_refusal(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.address_refusal(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => {
                let name = normalized_host(name);
                internal_name(&name)
                    .filter(|_| !self.allows_name(&name))
                    .map(|why| format!("must not name an internal host: `{name}` is {why}"))
            }
        };
        match refused {
            Some(why) => Err(format!("{why}; {HOW_TO_ALLOW}")),
            None => Ok(url),
        }
    }

    fn address_refusal(&self, ip: IpAddr) -> Option<String> {
        non_public(ip)
            .filter(|_| !self.allows_address(ip))
            .map(|kind| format!("must not point to a private address: {ip} is {kind}"))
    }

    /// At delivery: whether `host` may be called at the addresses it resolved to. A listed
    /// name may resolve anywhere; otherwise every address must be public or in a listed range.
    pub fn check_addresses(&self, host: &str, addresses: &[IpAddr]) -> Result<(), String> {
        if self.allows_name(host) {
            return Ok(());
        }
        let literal = normalized_host(host).parse::<IpAddr>().is_ok();
        for &ip in addresses {
            if let Some(kind) = non_public(ip).filter(|_| !self.allows_address(ip)) {
                let verb = if literal { "is" } else { "resolves to" };
                return Err(format!(
                    "the target {verb} a private address {ip} ({kind}); refused"
                ));
            }
        }
        Ok(())
    }
}

impl FromStr for TargetPolicy {
    type Err = String;

    /// A comma-separated list of address ranges (`10.0.0.0/8`, `fd00::/8`, or one address)
    /// and host names (`hooks.internal`); blanks are ignored.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let mut policy = TargetPolicy::default();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let looks_like_range = entry.contains('/') || entry.parse::<IpAddr>().is_ok();
            if looks_like_range {
                policy.ranges.push(entry.parse()?);
                continue;
            }
            let name = normalized_host(entry);
            let well_formed = name.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
            if !well_formed {
                return Err(format!(
                    "`{entry}` is neither an address range (10.0.0.0/8) nor a host name \
                     (hooks.internal; international names in their xn-- form)"
                ));
            }
            policy.hosts.push(name);
        }
        Ok(policy)
    }
}

impl fmt::Display for TargetPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ranges = self.ranges.iter().map(ToString::to_string);
        let all: Vec<String> = ranges.chain(self.hosts.iter().cloned()).collect();
        f.write_str(&all.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(raw: &str) -> TargetPolicy {
        raw.parse().expect("a valid policy")
    }

    #[test]
    fn addresses_are_classified() {
        let table: &[(&str, Option<&str>)] = &[
            // Public.
            ("93.184.215.14", None),
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("100.63.255.255", None),
            ("100.128.0.0", None),
            ("172.15.255.255", None),
            ("172.32.0.0", None),
            ("192.0.3.1", None),
            ("192.167.255.255", None),
            ("198.20.0.1", None),
            ("223.255.255.255", None),
            ("2606:4700:4700::1111", None),
            ("2a00:1450:4001:80b::200e", None),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::808:808", None),
            ("2002:808:808::1", None),
            // Loopback and unspecified.
            ("127.0.0.1", Some("loopback")),
            ("127.255.255.254", Some("loopback")),
            ("0.0.0.0", Some("unspecified")),
            ("0.1.2.3", Some("unspecified")),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            // Link-local and cloud metadata.
            ("169.254.169.254", Some("link-local, cloud metadata")),
            ("169.254.0.1", Some("link-local, cloud metadata")),
            ("fe80::1", Some("link-local")),
            ("febf::1", Some("link-local")),
            // Private.
            ("10.0.0.1", Some("private")),
            ("10.255.255.255", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.1", Some("private")),
            ("100.64.0.1", Some("shared address space (CGNAT)")),
            ("100.127.255.255", Some("shared address space (CGNAT)")),
            ("fc00::1", Some("unique local (private)")),
            ("fd00:ec2::254", Some("unique local (private)")),
            ("fec0::1", Some("site-local (deprecated)")),
            // IPv4 inside IPv6.
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:169.254.169.254", Some("link-local, cloud metadata")),
            ("::ffff:10.1.2.3", Some("private")),
            ("::127.0.0.1", Some("IPv4-compatible (deprecated)")),
            ("64:ff9b::7f00:1", Some("loopback")),
            ("64:ff9b::a00:1", Some("private")),
            ("64:ff9b:1::1", Some("local-use NAT64")),
            ("2002:7f00:1::1", Some("loopback")),
            ("2002:a9fe:a9fe::", Some("link-local, cloud metadata")),
            // Multicast, broadcast, documentation, reserved.
            ("224.0.0.1", Some("multicast")),
            ("239.255.255.250", Some("multicast")),
            ("ff02::1", Some("multicast")),
            ("255.255.255.255", Some("broadcast")),
            ("240.0.0.1", Some("reserved")),
            ("192.0.2.1", Some("documentation")),
            ("198.51.100.7", Some("documentation")),
            ("203.0.113.9", Some("documentation")),
            ("2001:db8::1", Some("documentation")),
            ("3fff::1", Some("documentation")),
            ("192.0.0.8", Some("IETF protocol assignments")),
            ("2001::1", Some("IETF protocol assignments")),
            ("198.18.0.1", Some("benchmarking")),
            ("198.19.255.255", Some("benchmarking")),
            ("192.88.99.1", Some("6to4 relay anycast")),
            ("100::1", Some("discard-only")),
            ("4000::1", Some("reserved")),
            ("1::1", Some("reserved")),
        ];
        for (raw, expected) in table {
            let ip: IpAddr = raw.parse().expect("an address");
            assert_eq!(non_public(ip), *expected, "{raw}");
        }
    }

    #[test]
    fn subscriptions_to_internal_hosts_are_refused() {
        let refused: &[(&str, &str)] = &[
            ("http://127.0.0.1/hook", "127.0.0.1 is loopback"),
            ("http://127.0.0.1:8080/hook", "127.0.0.1 is loopback"),
            // The forms WHATWG parsing turns into 127.0.0.1.
            ("http://2130706433/", "127.0.0.1 is loopback"),
            ("http://0x7f000001/", "127.0.0.1 is loopback"),
            ("http://127.1/", "127.0.0.1 is loopback"),
            ("http://0177.0.0.1/", "127.0.0.1 is loopback"),
            ("http://127.0.0.1./", "127.0.0.1 is loopback"),
            ("http://%31%32%37.0.0.1/", "127.0.0.1 is loopback"),
            ("http://0/", "0.0.0.0 is unspecified"),
            ("http://0.0.0.0/", "0.0.0.0 is unspecified"),
            ("http://[::1]/", "::1 is loopback"),
            ("http://[::]/", ":: is unspecified"),
            ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is loopback"),
            ("http://[::ffff:7f00:1]/", "::ffff:127.0.0.1 is loopback"),
            (
                "http://169.254.169.254/latest/meta-data/",
                "169.254.169.254",
            ),
            ("http://[fe80::1]/", "fe80::1 is link-local"),
            ("http://[fd00:ec2::254]/", "fd00:ec2::254 is unique local"),
            ("http://10.0.0.1/", "10.0.0.1 is private"),
            ("http://172.16.5.4/", "172.16.5.4 is private"),
            ("https://192.168.0.1/", "192.168.0.1 is private"),
            ("http://100.64.0.1/", "CGNAT"),
            ("http://224.0.0.1/", "multicast"),
            ("http://255.255.255.255/", "broadcast"),
            ("http://192.0.2.1/", "documentation"),
            ("http://240.0.0.1/", "reserved"),
            ("http://localhost/", "`localhost` is the server itself"),
            ("http://LOCALHOST:9000/", "`localhost` is the server itself"),
            ("http://localhost./", "`localhost` is the server itself"),
            (
                "http://api.localhost/",
                "`api.localhost` is the server itself",
            ),
            (
                "http://metadata.google.internal/",
                "a cloud metadata service",
            ),
            ("http://metadata/", "a name without a domain"),
            ("http://hooks.internal/", "an internal domain"),
            ("http://printer.local/", "an internal domain"),
            ("http://1.0.0.127.in-addr.arpa/", "an internal domain"),
            ("http://user:pass@example.com/", "user name or password"),
            ("http://user@example.com/", "user name or password"),
            ("http://:pass@example.com/", "user name or password"),
            ("ftp://example.com/", "http(s)"),
            ("http://[::1/", "absolute http(s) URL"),
        ];
        let none = TargetPolicy::default();
        for (url, why) in refused {
            match none.check_url(url) {
                Ok(parsed) => panic!("{url} was accepted as {parsed}"),
                Err(message) => assert!(message.contains(why), "{url}: {message}"),
            }
        }
        for url in [
            "https://partner.example/hooks/byline",
            "http://93.184.215.14:8080/x",
            "https://[2606:4700:4700::1111]/",
            "https://hooks.example.com./in",
            "https://127.0.0.1.example.com/",
        ] {
            assert!(none.check_url(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn the_stored_form_is_the_parsed_one() {
        let none = TargetPolicy::default();
        let parsed = |raw: &str| none.check_url(raw).map(String::from);
        assert_eq!(
            parsed("HTTPS://Partner.Example:443/Hooks"),
            Ok("https://partner.example/Hooks".to_owned())
        );
        assert_eq!(
            parsed("http://hooks.example.com"),
            Ok("http://hooks.example.com/".to_owned())
        );
    }

    #[test]
    fn listed_ranges_and_names_are_allowed() {
        let allowed = policy(" 127.0.0.1/32, 10.0.0.0/8 ,hooks.internal,fd00::/8,,LocalHost.");
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://2130706433/",
            "http://[::ffff:127.0.0.1]/",
            "http://10.20.30.40/",
            "http://[fd12::1]/",
            "http://hooks.internal/in",
            "http://HOOKS.INTERNAL./in",
            "http://localhost/",
        ] {
            assert!(allowed.check_url(url).is_ok(), "{url}");
        }
        for url in [
            "http://127.0.0.2/",
            "http://192.168.1.1/",
            "http://other.internal/",
            "http://user:pass@127.0.0.1/",
            "http://169.254.169.254/",
        ] {
            assert!(allowed.check_url(url).is_err(), "{url}");
        }
        assert_eq!(
            allowed.to_string(),
            "127.0.0.1/32,10.0.0.0/8,fd00::/8,hooks.internal,localhost"
        );
    }

    #[test]
    fn resolved_addresses_must_all_be_allowed() {
        let ips = |list: &[&str]| -> Vec<IpAddr> {
            list.iter().map(|s| s.parse().expect("address")).collect()
        };
        let none = TargetPolicy::default();
        assert_eq!(
            none.check_addresses(
                "hooks.example.com",
                &ips(&["93.184.215.14", "2606:4700::1"])
            ),
            Ok(())
        );
        assert_eq!(
            none.check_addresses("rebound.example.com", &ips(&["93.184.215.14", "127.0.0.1"])),
            Err("the target resolves to a private address 127.0.0.1 (loopback); refused".into())
        );
        assert_eq!(
            none.check_addresses("[::1]", &ips(&["::1"])),
            Err("the target is a private address ::1 (loopback); refused".into())
        );
        let allowed = policy("127.0.0.0/8,hooks.internal");
        assert_eq!(
            allowed.check_addresses("a.example.com", &ips(&["127.0.0.1"])),
            Ok(())
        );
        assert_eq!(
            allowed.check_addresses("a.example.com", &ips(&["::ffff:127.0.0.1"])),
            Ok(())
        );
        assert!(
            allowed
                .check_addresses("a.example.com", &ips(&["127.0.0.1", "10.0.0.1"]))
                .is_err()
        );
        // A listed name is trusted wherever it points.
        assert_eq!(
            allowed.check_addresses("Hooks.Internal.", &ips(&["10.0.0.1"])),
            Ok(())
        );
    }

    #[test]
    fn policies_parse() {
        assert_eq!(policy(""), TargetPolicy::default());
        assert!(policy(" , ").is_empty());
        assert_eq!(policy("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(policy("::1").to_string(), "::1/128");
        assert_eq!(policy("0.0.0.0/0").to_string(), "0.0.0.0/0");
        for bad in [
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0/8",
            "hooks internal",
            "a..b",
            "x/y",
        ] {
            assert!(bad.parse::<TargetPolicy>().is_err(), "{bad}");
        }
        let everything = policy("0.0.0.0/0");
        assert!(everything.allows_address("127.0.0.1".parse().expect("ip")));
        assert!(!everything.allows_address("::1".parse().expect("ip")));
    }
}
