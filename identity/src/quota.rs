//! A per-address quota of pending sign-ins, so that one client address cannot fill the
//! pending table on its own and make every new sign-in fail.
//!
//! Policy: within a fixed window of [`WINDOW_SECS`] (the lifetime of a pending sign-in),
//! one address may start at most [`MAX_PER_ADDRESS`] sign-ins; a sign-in that completes
//! gives its slot back. As a pending sign-in never outlives one window, an address holds at
//! most twice the quota at any moment. IPv6 addresses count per /64, the block one host or
//! customer usually gets, so rotating through a prefix does not multiply the quota.

use std::net::{IpAddr, Ipv6Addr};

use crate::authorize::PENDING_LIFETIME_SECS;
use crate::ttl::TtlMap;

pub const WINDOW_SECS: u64 = PENDING_LIFETIME_SECS;
pub const MAX_PER_ADDRESS: u32 = 200;
const CAPACITY: usize = 100_000;

/// Counters of sign-ins started per address.
#[derive(Debug)]
pub struct PendingQuota {
    counters: TtlMap<IpAddr, u32>,
}

impl Default for PendingQuota {
    fn default() -> Self {
        PendingQuota {
            counters: TtlMap::new(CAPACITY),
        }
    }
}

impl PendingQuota {
    /// Takes a slot for `address`; `false` when its quota is used up.
    pub fn take(&self, address: IpAddr, now: u64) -> bool {
        let key = key(address);
        let admitted = self.counters.with(&key, now, |count| {
            let admit = *count < MAX_PER_ADDRESS;
            if admit {
                *count += 1;
            }
            admit
        });
        // With no live counter, start one. A full table admits: the global capacity of the
        // pending table still bounds memory.
        admitted.unwrap_or_else(|| {
            self.counters.insert(key, 1, now + WINDOW_SECS, now);
            true
        })
    }

    /// Gives back the slot of a sign-in that completed.
    pub fn give_back(&self, address: IpAddr, now: u64) {
        self.counters
            .with(&key(address), now, |count| *count = count.saturating_sub(1));
    }

    pub fn sweep(&self, now: u64) {
        self.counters.sweep(now);
    }
}

/// IPv4 addresses (also IPv4-mapped IPv6) count alone, IPv6 addresses by their /64.
fn key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::from(u64::MAX)))),
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDR: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn address_is_refused_after_its_quota_until_the_window_ends() {
        let q = PendingQuota::default();
        for _ in 0..MAX_PER_ADDRESS {
            assert!(q.take(ADDR, 0));
        }
        assert!(!q.take(ADDR, 1));
        assert!(
            q.take(IpAddr::from([127, 0, 0, 2]), 1),
            "other addresses unaffected"
        );
        assert!(q.take(ADDR, WINDOW_SECS));
    }

    #[test]
    fn completed_sign_in_gives_its_slot_back() {
        let q = PendingQuota::default();
        for _ in 0..(MAX_PER_ADDRESS * 3) {
            assert!(q.take(ADDR, 0));
            q.give_back(ADDR, 0);
        }
    }

    #[test]
    fn ipv6_addresses_share_the_quota_of_their_64_prefix() {
        let q = PendingQuota::default();
        for i in 0..MAX_PER_ADDRESS {
            let host = format!("2001:db8:1:2::{:x}", i + 1);
            assert!(q.take(host.parse().unwrap(), 0));
        }
        assert!(!q.take("2001:db8:1:2:ffff::1".parse().unwrap(), 0));
        assert!(q.take("2001:db8:1:3::1".parse().unwrap(), 0));
    }
}
