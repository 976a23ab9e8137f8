//! Network flags of `wedge run`: the guest's network policy, and the descriptor limit a
//! guest with many sockets needs.

use anyhow::{bail, Result};
use wedge_wasi::{NetPolicy, NetRule};

/// Network options of `wedge run`. Without any, the guest may use the network as under
/// WasmEdge: open sockets, reach any address, resolve names.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct NetFlags {
    /// No sockets and no name resolution: `sock_open` and `sock_getaddrinfo` fail with
    /// EACCES (a socket given with --tcplisten still works).
    #[arg(long)]
    pub deny_net: bool,
    /// Allow binding, connecting and sending only to these networks:
    /// `HOST_OR_CIDR[:PORTS]`, e.g. `127.0.0.1:6379`, `10.0.0.0/8`, `[::1]:8000-8100`,
    /// `localhost:5432`, `*:443`. Other addresses fail with EACCES. Repeatable.
    #[arg(long = "allow-net", value_name = "HOST_OR_CIDR[:PORTS]", value_parser = parse_rule)]
    pub allow_net: Vec<Rules>,
    /// No name resolution: `sock_getaddrinfo` fails with EACCES.
    #[arg(long)]
    pub deny_dns: bool,
}

/// The rules of one `--allow-net` value (a host name may have several addresses).
#[derive(Clone, Debug)]
pub struct Rules(Vec<NetRule>);

fn parse_rule(spec: &str) -> Result<Rules, String> {
    NetRule::parse(spec).map(Rules).map_err(|e| e.to_string())
}

impl NetFlags {
    /// The policy these flags describe.
    pub fn policy(&self) -> Result<NetPolicy> {
        if self.deny_net && !self.allow_net.is_empty() {
            bail!("--deny-net and --allow-net contradict each other");
        }
        let mut policy = if self.deny_net {
            NetPolicy::deny_all()
        } else if self.allow_net.is_empty() {
            NetPolicy::allow_all()
        } else {
            let mut p = NetPolicy::deny_all();
            for rule in self.allow_net.iter().flat_map(|r| &r.0) {
                p.allow(rule.clone());
            }
            p.set_dns(true);
            p
        };
        if self.deny_dns || self.deny_net {
            policy.set_dns(false);
        }
        Ok(policy)
    }
}

/// Raises this process's soft limit on open descriptors to the hard limit, so that a guest
/// server can hold as many connections as the system lets this user have.
pub fn raise_fd_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    // `None` is unlimited; the soft limit is never above the hard one.
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        // Best effort: the guest simply gets EMFILE sooner if this fails.
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_make_the_policy() {
        let all = NetFlags::default().policy().unwrap();
        assert_eq!(all, NetPolicy::allow_all());
        let none = NetFlags {
            deny_net: true,
            ..NetFlags::default()
        };
        assert_eq!(none.policy().unwrap(), NetPolicy::deny_all());
        let both = NetFlags {
            deny_net: true,
            allow_net: vec![parse_rule("127.0.0.1").unwrap()],
            ..NetFlags::default()
        };
        assert!(both.policy().is_err());
        let mut expected = NetPolicy::deny_all();
        for r in parse_rule("127.0.0.1:80").unwrap().0 {
            expected.allow(r);
        }
        let some = NetFlags {
            allow_net: vec![parse_rule("127.0.0.1:80").unwrap()],
            deny_dns: true,
            ..NetFlags::default()
        };
        assert_eq!(some.policy().unwrap(), expected);
        assert!(parse_rule("300.1.1.1/8").is_err());
    }
}
