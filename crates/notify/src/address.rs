//! Where outbound webhooks may connect. Staff type a webhook's URL; without a check, one could
//! aim canyu's server at its own network (a database's admin port, a cloud metadata service at
//! 169.254.169.254) and read what comes back in the delivery log. So by default webhooks go to
//! public unicast addresses only: IP literals are checked as typed and again at send time, and
//! host names are resolved by [`PublicOnlyResolver`] at connection time, so a name that later
//! resolves to a private address (DNS rebinding) is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Which addresses the webhook client may connect to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AddressPolicy {
    /// Public unicast addresses only (the default).
    #[default]
    PublicOnly,
    /// Any address: for receivers on the operator's own network (`CANYU_WEBHOOKS_ALLOW_PRIVATE`).
    AllowPrivate,
}

/// Whether `ip` is a public unicast address: not private (RFC 1918, unique local), loopback,
/// link-local, shared (carrier-grade NAT), unspecified, broadcast, multicast, documentation,
/// benchmarking or reserved, per the IANA special-purpose registries. IPv4 addresses carried in
/// IPv6 (mapped, NAT64, 6to4) are judged by their IPv4 address.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    const SPECIAL: [([u8; 4], u32); 15] = [
        ([0, 0, 0, 0], 8),       // "this network"
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // shared address space (carrier-grade NAT)
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata services
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast (deprecated)
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, and the broadcast address
    ];
    !SPECIAL.iter().any(|&(net, prefix)| in_v4(ip, net, prefix))
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
    u128::from(ip) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    // IPv4 inside IPv6: mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry it in the
    // low 32 bits, 6to4 (2002:AABB:CCDD::) in bits 16–48.
    if in_v6(ip, [0, 0, 0, 0, 0, 0xffff, 0, 0], 96) || in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        return is_public_v4(Ipv4Addr::from((bits & 0xffff_ffff) as u32));
    }
    if in_v6(ip, [0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        return is_public_v4(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
    }
    const SPECIAL: [([u16; 8], u32); 9] = [
        ([0, 0, 0, 0, 0, 0, 0, 0], 96),         // unspecified, loopback, IPv4-compatible
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), // local-use IPv4/IPv6 translation
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64),     // discard-only
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),    // IETF protocol assignments (Teredo, ORCHID…)
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),     // unique local
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10),    // link-local
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),    // site-local (deprecated)
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),     // multicast
    ];
    !SPECIAL.iter().any(|&(net, prefix)| in_v6(ip, net, prefix))
}

/// Whether a URL's host names the local machine or network as written: an IP literal that is
/// not public, or `localhost` (RFC 6761: `localhost` and `*.localhost` never leave the host).
pub(crate) fn is_private_host(host: url::Host<&str>) -> bool {
    match host {
        url::Host::Ipv4(ip) => !is_public_v4(ip),
        url::Host::Ipv6(ip) => !is_public_v6(ip),
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

/// Resolves host names for the webhook client and keeps only public addresses: the connection
/// goes to an address checked here, so there is no gap between a check and the connection.
#[derive(Debug, Default)]
pub(crate) struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public_address(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!(
                    "{host} has no public address; webhooks are not sent to private, loopback or link-local addresses"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_special_addresses() {
        for public in
            ["1.1.1.1", "8.8.8.8", "114.114.114.114", "2400:3200::1", "2606:4700::1111", "::ffff:1.1.1.1"]
        {
            assert!(is_public_address(public.parse().unwrap()), "{public}");
        }
        for special in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "192.0.2.10",
            "::",
            "::1",
            "fe80::1",
            "fd00::1",
            "fc12::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:c0a8:0101::1",
        ] {
            assert!(!is_public_address(special.parse().unwrap()), "{special}");
        }
        assert!(in_v4("172.15.255.255".parse().unwrap(), [0, 0, 0, 0], 0), "prefix 0 matches all");
        assert!(is_public_address("172.32.0.1".parse().unwrap()), "just outside 172.16/12");
        assert!(is_public_address("2002:0808:0808::1".parse().unwrap()), "6to4 of a public address");
    }

    #[test]
    fn hosts_as_written() {
        let host = |url: &str| url::Url::parse(url).unwrap().host().map(|h| is_private_host(h)).unwrap();
        for private in [
            "http://127.0.0.1:9000/hook",
            "http://127.1/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://localhost/x",
            "http://LOCALHOST./x",
            "http://api.localhost/x",
            "http://[::1]/x",
            "http://[::ffff:169.254.169.254]/latest",
            "http://10.1.2.3/",
        ] {
            assert!(host(private), "{private}");
        }
        for public in [
            "https://open.feishu.cn/open-apis/bot/v2/hook/x",
            "https://1.1.1.1/",
            "https://localhost.example.com/",
        ] {
            assert!(!host(public), "{public}");
        }
    }
}
