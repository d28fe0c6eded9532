//! Identifiers written on the stack: the strings `synth` formats (uuids, shas, short ids, IPs,
//! MACs, epoch-ms strings, host names) as fixed-size buffers, so the hot paths (`fast`, and the
//! filters that compare against them) format an item's ids without allocating. Each function
//! names the `synth` or `World` one it matches; the tests check every one against it.

use crate::synth::{self, World, h, pick, salt};
use serde::{Serialize, Serializer};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A short ASCII string on the stack (identifiers, hosts, epoch-ms strings).
#[derive(Clone, Copy)]
pub(crate) struct Txt {
    b: [u8; 72],
    n: u8,
}

impl Txt {
    pub fn new() -> Txt {
        Txt { b: [0; 72], n: 0 }
    }
    pub fn push(&mut self, s: &[u8]) -> &mut Txt {
        let n = self.n as usize;
        self.b[n..n + s.len()].copy_from_slice(s);
        self.n += s.len() as u8;
        self
    }
    /// `{:0<digits>x}` of a value that fits in `digits` hex digits.
    pub fn hex(&mut self, v: u64, digits: usize) -> &mut Txt {
        let n = self.n as usize;
        for k in 0..digits {
            self.b[n + k] = HEX[((v >> (4 * (digits - 1 - k))) & 0xf) as usize];
        }
        self.n += digits as u8;
        self
    }
    /// `{}` of a u64.
    pub fn dec(&mut self, mut v: u64) -> &mut Txt {
        let mut tmp = [0u8; 20];
        let mut p = tmp.len();
        loop {
            p -= 1;
            tmp[p] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.push(&tmp[p..])
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.b[..self.n as usize]).expect("ASCII")
    }
}

impl Serialize for Txt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `synth::ms` (an epoch-ms string).
pub(crate) fn ms(v: u64) -> Txt {
    *Txt::new().dec(v)
}

/// `synth::uuid_for`.
pub(crate) fn uuid_for(seed: u64, salt: u64, i: u64) -> Txt {
    let a = h(seed, salt, i, 1);
    let b = h(seed, salt, i, 2);
    uuid_parts(a, b & 0xfff, b, synth::scramble(seed, salt, i))
}

/// `synth::uuid_from`.
pub(crate) fn uuid_from(x: u64) -> Txt {
    let a = synth::splitmix(x);
    let b = synth::splitmix(a);
    uuid_parts(a, (b >> 32) & 0xfff, b, b & ((1 << 48) - 1))
}

fn uuid_parts(a: u64, c: u64, b: u64, last: u64) -> Txt {
    *Txt::new()
        .hex(a >> 32, 8)
        .push(b"-")
        .hex((a >> 16) & 0xffff, 4)
        .push(b"-4")
        .hex(a & 0xfff, 3)
        .push(b"-")
        .hex(8 + (b >> 62), 1)
        .hex(c, 3)
        .push(b"-")
        .hex(last, 12)
}

/// The first `chars` characters of `synth::hex64`, appended.
fn hex64_into(t: &mut Txt, seed: u64, salt: u64, i: u64, chars: usize) {
    for k in 0..4u64 {
        let left = chars.saturating_sub(16 * k as usize);
        if left == 0 {
            break;
        }
        let v = h(seed, salt, i, 100 + k);
        let d = left.min(16);
        t.hex(v >> (4 * (16 - d)), d);
    }
}

/// `"sha256:" + synth::hex64`.
pub(crate) fn sha256_hex64(seed: u64, salt: u64, i: u64) -> Txt {
    let mut t = Txt::new();
    t.push(b"sha256:");
    hex64_into(&mut t, seed, salt, i, 64);
    t
}

/// `synth::sha_for`.
pub(crate) fn sha_for(seed: u64, short_salt: u64, body_salt: u64, i: u64) -> Txt {
    let mut t = Txt::new();
    t.hex(synth::scramble(seed, short_salt, i), 12);
    hex64_into(&mut t, seed, body_salt, i, 52);
    t
}

/// `{:012x}` of a 48-bit value (short ids).
pub(crate) fn hex12(v: u64) -> Txt {
    *Txt::new().hex(v & ((1 << 48) - 1), 12)
}

/// `synth::ip`.
pub(crate) fn ip(x: u64) -> Txt {
    *Txt::new()
        .push(b"10.")
        .dec((x >> 8) & 0xff)
        .push(b".")
        .dec((x >> 16) & 0xff)
        .push(b".")
        .dec(1 + (x & 0xfd))
}

/// `synth::mac`.
pub(crate) fn mac(x: u64) -> Txt {
    let b = x.to_be_bytes();
    let mut t = Txt::new();
    t.push(b"02:42");
    for v in &b[2..6] {
        t.push(b":").hex(*v as u64, 2);
    }
    t
}

// ------------------------------------------------------------------ world lookups

/// `World::sensor_hostname`.
pub(crate) fn sensor_hostname(w: &World, k: u64) -> Txt {
    let x = h(w.seed, salt::SENSOR, k, 1);
    *Txt::new()
        .push(pick(&["cms", "docker", "k8s", "build", "edge"], x).as_bytes())
        .push(b"-node-")
        .dec(k + 1)
}

/// `host_of(World::registry_uri(r))`.
pub(crate) fn registry_host(w: &World, r: u64) -> Txt {
    let mut t = Txt::new();
    match r % 4 {
        0 => t.push(b"registry-1.docker.io"),
        1 => t
            .dec(200_000_000_000 + h(w.seed, salt::REG, r, 1) % 100_000_000_000)
            .push(b".dkr.ecr.us-east-2.amazonaws.com"),
        2 => t.push(b"art-hq").dec(r).push(b".intranet.example.com:5001"),
        _ => t.push(b"registry").dec(r).push(b".example.com"),
    };
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_formatting_matches_synth() {
        for x in (0..2000u64).map(synth::splitmix).chain([0, 1, u64::MAX]) {
            for salt in [salt::IMG_UUID, salt::SENSOR ^ 0xff] {
                assert_eq!(
                    uuid_for(x, salt, x >> 20).as_str(),
                    synth::uuid_for(x, salt, x >> 20)
                );
            }
            assert_eq!(uuid_from(x).as_str(), synth::uuid_from(x));
            assert_eq!(
                sha_for(x, salt::IMG_SHORT, salt::IMG, x >> 16).as_str(),
                synth::sha_for(x, salt::IMG_SHORT, salt::IMG, x >> 16)
            );
            assert_eq!(ip(x).as_str(), synth::ip(x));
            assert_eq!(mac(x).as_str(), synth::mac(x));
            assert_eq!(ms(x).as_str(), synth::ms(x));
            assert_eq!(hex12(x).as_str(), format!("{:012x}", x & 0xffff_ffff_ffff));
        }
        let w = World::new(3, 10, 10, 10, 40);
        for r in 0..40 {
            let uri = w.registry_uri(r);
            assert_eq!(
                registry_host(&w, r).as_str(),
                uri.split("://").nth(1).unwrap()
            );
        }
        for k in 0..10 {
            assert_eq!(sensor_hostname(&w, k).as_str(), w.sensor_hostname(k));
        }
    }
}
