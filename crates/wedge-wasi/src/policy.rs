//! The network policy: whether a guest may open sockets, which addresses it may bind, connect
//! and send to, and whether it may resolve host names.
//!
//! A denied call fails with `EACCES` before any system call is made, so nothing of it reaches
//! the network.

use crate::errno::Errno;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::ops::RangeInclusive;

/// Errors in a network rule.
#[derive(Debug, thiserror::Error)]
#[error("bad network rule `{spec}`: {why}")]
pub struct RuleError {
    spec: String,
    why: String,
}

fn rule_error(spec: &str, why: impl Into<String>) -> RuleError {
    RuleError {
        spec: spec.to_string(),
        why: why.into(),
    }
}

/// One allowed network: an address prefix (a CIDR block) and a range of ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetRule {
    addr: IpAddr,
    prefix: u8,
    ports: RangeInclusive<u16>,
}

impl NetRule {
    /// Addresses `addr/prefix` on the ports `ports`; `None` if the prefix is longer than the
    /// address.
    pub fn new(addr: IpAddr, prefix: u8, ports: RangeInclusive<u16>) -> Option<NetRule> {
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > bits {
            return None;
        }
        Some(match canonical(addr) {
            // An IPv4-mapped IPv6 block is the IPv4 block it covers.
            IpAddr::V4(v4) if addr.is_ipv6() && prefix >= 96 => NetRule {
                addr: IpAddr::V4(v4),
                prefix: prefix - 96,
                ports,
            },
            _ => NetRule {
                addr,
                prefix,
                ports,
            },
        })
    }

    /// Parses `HOST_OR_CIDR[:PORTS]`, resolving a host name to every address it has now.
    ///
    /// The address part is an IPv4 or IPv6 address with an optional `/prefix`, `*` for every
    /// address, or a host name; IPv6 takes brackets when ports follow (`[::1]:8080`). PORTS is
    /// a port, a range `FIRST-LAST`, or `*` (the default: all ports).
    pub fn parse(spec: &str) -> Result<Vec<NetRule>, RuleError> {
        let (host, ports) = split_ports(spec)?;
        let ports = match ports {
            None | Some("*") => 0..=u16::MAX,
            Some(p) => parse_ports(p).ok_or_else(|| rule_error(spec, "bad port or port range"))?,
        };
        if host == "*" {
            let every = |addr: IpAddr, ports| NetRule {
                addr,
                prefix: 0,
                ports,
            };
            return Ok(vec![
                every(IpAddr::from([0u8; 4]), ports.clone()),
                every(IpAddr::from([0u16; 8]), ports),
            ]);
        }
        let (addr, prefix) = match host.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (host, None),
        };
        if let Ok(ip) = addr.parse::<IpAddr>() {
            let bits = if ip.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => bits,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|&p| p <= bits)
                    .ok_or_else(|| rule_error(spec, "bad prefix length"))?,
            };
            return NetRule::new(ip, prefix, ports)
                .map(|r| vec![r])
                .ok_or_else(|| rule_error(spec, "bad prefix length"));
        }
        if prefix.is_some() || addr.is_empty() {
            return Err(rule_error(
                spec,
                "not an address, a CIDR block or a host name",
            ));
        }
        let found: Vec<NetRule> = (addr, 0)
            .to_socket_addrs()
            .map_err(|e| rule_error(spec, format!("cannot resolve `{addr}`: {e}")))?
            .map(|a| NetRule::host(a.ip(), ports.clone()))
            .collect();
        if found.is_empty() {
            return Err(rule_error(spec, format!("`{addr}` has no address")));
        }
        Ok(found)
    }

    /// Exactly one host's address on `ports`.
    fn host(ip: IpAddr, ports: RangeInclusive<u16>) -> NetRule {
        let addr = canonical(ip);
        NetRule {
            addr,
            prefix: if addr.is_ipv4() { 32 } else { 128 },
            ports,
        }
    }

    /// Whether the rule covers this address (ignoring the port).
    fn covers_ip(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }

    /// Whether the rule covers this address and port.
    pub fn covers(&self, addr: SocketAddr) -> bool {
        self.covers_ip(addr.ip()) && self.ports.contains(&addr.port())
    }
}

/// Splits `HOST[:PORTS]`, with IPv6 addresses bracketed when ports follow.
fn split_ports(spec: &str) -> Result<(&str, Option<&str>), RuleError> {
    if let Some(rest) = spec.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| rule_error(spec, "missing `]`"))?;
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(ports) => Ok((host, Some(ports))),
                None => Err(rule_error(spec, "expected `:PORTS` after `]`")),
            },
        };
    }
    // Two or more colons: an IPv6 address (or block) without ports.
    if spec.matches(':').count() > 1 {
        return Ok((spec, None));
    }
    Ok(match spec.split_once(':') {
        Some((host, ports)) => (host, Some(ports)),
        None => (spec, None),
    })
}

fn parse_ports(p: &str) -> Option<RangeInclusive<u16>> {
    match p.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.parse().ok()?, b.parse().ok()?);
            (a <= b).then_some(a..=b)
        }
        None => {
            let port = p.parse().ok()?;
            Some(port..=port)
        }
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it reaches; others unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// Whether the first `bits` bits of `a` and `b` are equal.
fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let whole = (bits / 8) as usize;
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    a[whole] & mask == b[whole] & mask
}

/// Which sockets a guest may use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Sockets {
    /// No `sock_open` at all.
    #[default]
    Denied,
    /// Every address.
    Any,
    /// Only the listed networks for bind, connect and send_to.
    Only(Vec<NetRule>),
}

/// What a guest may do on the network. The default allows nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetPolicy {
    sockets: Sockets,
    dns: bool,
}

impl NetPolicy {
    /// No sockets, no name resolution (the default).
    pub fn deny_all() -> NetPolicy {
        NetPolicy::default()
    }

    /// Every socket operation on every address, and name resolution: WasmEdge's behaviour.
    pub fn allow_all() -> NetPolicy {
        NetPolicy {
            sockets: Sockets::Any,
            dns: true,
        }
    }

    /// Allows binding, connecting and sending to `rule`'s networks (sockets may then be
    /// opened). Adds nothing when every address is already allowed.
    pub fn allow(&mut self, rule: NetRule) {
        match &mut self.sockets {
            Sockets::Any => {}
            Sockets::Only(rules) => rules.push(rule),
            Sockets::Denied => self.sockets = Sockets::Only(vec![rule]),
        }
    }

    /// Allows or denies name resolution (`sock_getaddrinfo`).
    pub fn set_dns(&mut self, allowed: bool) {
        self.dns = allowed;
    }

    /// Whether `sock_open` may create sockets.
    pub(crate) fn may_open(&self) -> Result<(), Errno> {
        match self.sockets {
            Sockets::Denied => Err(denied("opening a socket", None)),
            _ => Ok(()),
        }
    }

    /// Whether a socket may connect or send to `addr`.
    pub(crate) fn may_reach(&self, addr: SocketAddr) -> Result<(), Errno> {
        match &self.sockets {
            Sockets::Any => Ok(()),
            Sockets::Only(rules) if rules.iter().any(|r| r.covers(addr)) => Ok(()),
            Sockets::Denied | Sockets::Only(_) => Err(denied("reaching", Some(addr))),
        }
    }

    /// Whether a socket may bind `addr`. Port 0 (the kernel picks a free port) is allowed on
    /// any address a rule covers, whatever the rule's ports.
    pub(crate) fn may_bind(&self, addr: SocketAddr) -> Result<(), Errno> {
        match &self.sockets {
            Sockets::Only(rules) if addr.port() == 0 => {
                if rules.iter().any(|r| r.covers_ip(addr.ip())) {
                    Ok(())
                } else {
                    Err(denied("binding", Some(addr)))
                }
            }
            _ => self.may_reach(addr),
        }
    }

    /// Whether the guest may resolve names.
    pub(crate) fn may_resolve(&self) -> Result<(), Errno> {
        if self.dns {
            Ok(())
        } else {
            Err(denied("resolving a name", None))
        }
    }
}

/// Logs a call the network policy refuses (target `wedge::wasi::policy`) and gives its errno.
fn denied(what: &str, addr: Option<SocketAddr>) -> Errno {
    match addr {
        Some(addr) => {
            tracing::warn!(target: "wedge::wasi::policy", %addr, "denied by the network policy: {what} {addr}")
        }
        None => {
            tracing::warn!(target: "wedge::wasi::policy", "denied by the network policy: {what}")
        }
    }
    Errno::Acces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn rules_parse_addresses_blocks_ports_and_names() {
        let r = &NetRule::parse("10.0.0.0/8:80-90").unwrap()[0];
        assert!(r.covers(sa("10.1.2.3:85")));
        assert!(!r.covers(sa("10.1.2.3:91")));
        assert!(!r.covers(sa("11.0.0.1:85")));
        let r = &NetRule::parse("127.0.0.1:6379").unwrap()[0];
        assert!(r.covers(sa("127.0.0.1:6379")));
        assert!(!r.covers(sa("127.0.0.2:6379")));
        // IPv4-mapped IPv6 addresses reach IPv4 hosts and are judged as such.
        assert!(r.covers(sa("[::ffff:127.0.0.1]:6379")));
        let r = &NetRule::parse("::ffff:10.0.0.0/104").unwrap()[0];
        assert!(r.covers(sa("10.9.9.9:1")));
        assert!(NetRule::parse("::ffff:10.0.0.0/200").is_err());
        let r = &NetRule::parse("::1").unwrap()[0];
        assert!(r.covers(sa("[::1]:1")));
        assert!(!r.covers(sa("127.0.0.1:1")));
        let r = &NetRule::parse("[fd00::/8]:443").unwrap()[0];
        assert!(r.covers(sa("[fdab::1]:443")));
        assert!(!r.covers(sa("[fe80::1]:443")));
        let any = NetRule::parse("*:53").unwrap();
        assert!(any.iter().any(|r| r.covers(sa("8.8.8.8:53"))));
        assert!(any.iter().any(|r| r.covers(sa("[2001:db8::1]:53"))));
        assert!(!any.iter().any(|r| r.covers(sa("8.8.8.8:54"))));
        let local = NetRule::parse("localhost:8080").unwrap();
        assert!(local.iter().any(|r| r.covers(sa("127.0.0.1:8080"))));
        for bad in [
            "10.0.0.0/33",
            "1.2.3.4:99999",
            "1.2.3.4:9-1",
            "[::1",
            "[::1]x",
            "h/8",
            "",
        ] {
            assert!(NetRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn policy_decides_open_bind_reach_and_dns() {
        let deny = NetPolicy::deny_all();
        assert_eq!(deny.may_open(), Err(Errno::Acces));
        assert_eq!(deny.may_resolve(), Err(Errno::Acces));
        let all = NetPolicy::allow_all();
        assert_eq!(all.may_reach(sa("1.2.3.4:5")), Ok(()));
        assert_eq!(all.may_resolve(), Ok(()));
        let mut some = NetPolicy::deny_all();
        for r in NetRule::parse("127.0.0.1:8000-8010").unwrap() {
            some.allow(r);
        }
        assert_eq!(some.may_open(), Ok(()));
        assert_eq!(some.may_reach(sa("127.0.0.1:8005")), Ok(()));
        assert_eq!(some.may_reach(sa("127.0.0.1:7999")), Err(Errno::Acces));
        assert_eq!(some.may_bind(sa("127.0.0.1:0")), Ok(()));
        assert_eq!(some.may_bind(sa("0.0.0.0:8005")), Err(Errno::Acces));
        assert_eq!(some.may_resolve(), Err(Errno::Acces));
        some.set_dns(true);
        assert_eq!(some.may_resolve(), Ok(()));
    }
}
