//! The SSRF guard: deliveries may not reach loopback, private, link-local, shared,
//! multicast, unspecified or cloud-metadata addresses, unless the address is in
//! `HOOKRELAY_ALLOW_PRIVATE_CIDRS`. Checked on the addresses DNS returns, at every
//! attempt (the HTTP client's resolver), and on IP literals before sending.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hyper_util::client::legacy::connect::dns::Name;
use ipnet::IpNet;

/// Why an address is refused, or `None` when it may be reached.
pub fn refusal(ip: IpAddr, allowed: &[IpNet]) -> Option<&'static str> {
    if allowed.iter().any(|net| net.contains(&ip)) {
        return None;
    }
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refusal_v4(v4),
            None => refusal_v6(v6),
        },
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback address")
    } else if ip.is_private() {
        Some("private address")
    } else if ip.is_link_local() {
        Some("link-local or metadata address")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 {
        Some("non-routable address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT) address")
    } else if a >= 240 || (a == 192 && b == 0) || (a == 198 && (18..20).contains(&b)) {
        Some("reserved address")
    } else {
        None
    }
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback address")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("non-routable address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local address")
    } else {
        None
    }
}

/// The HTTP client's resolver: drops refused addresses; none left → the attempt fails
/// with the reason.
#[derive(Clone)]
pub struct GuardedResolver {
    pub allowed: std::sync::Arc<Vec<IpNet>>,
}

type Resolving = std::pin::Pin<
    Box<dyn std::future::Future<Output = std::io::Result<std::vec::IntoIter<SocketAddr>>> + Send>,
>;

impl tower_service::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let host = name.as_str();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
            let mut reasons = Vec::new();
            let ok: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match refusal(a.ip(), &allowed) {
                    None => true,
                    Some(why) => {
                        reasons.push(format!("{} is a {why}", a.ip()));
                        false
                    }
                })
                .collect();
            if ok.is_empty() {
                // Tenants see that the destination is not allowed, not what the name
                // resolves to inside our network; operators get the detail in the log.
                tracing::info!(host = %host, refused = %reasons.join(", "), "delivery refused by the SSRF guard");
                return Err(std::io::Error::other(
                    "refused by the SSRF guard: the destination is not allowed",
                ));
            }
            Ok(ok.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_internal_addresses_unless_allowed() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(refusal(ip.parse().unwrap(), &[]).is_some(), "{ip} refused");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"] {
            assert!(refusal(ip.parse().unwrap(), &[]).is_none(), "{ip} allowed");
        }
        let allow: Vec<IpNet> = vec!["127.0.0.0/8".parse().unwrap()];
        assert!(refusal("127.0.0.1".parse().unwrap(), &allow).is_none());
        assert!(refusal("10.0.0.1".parse().unwrap(), &allow).is_some());
    }
}
