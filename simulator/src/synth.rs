//! Deterministic data generation.
//!
//! Images and containers are never stored: item `i` is a pure function of `(seed, i)`, so a
//! simulator with 1,000,000 images starts instantly, uses constant memory and gives O(1) random
//! access. Identifiers encode their index through a bijection on 48 bits, so a uuid, sha or
//! short id taken from a response leads straight back to the item (and the bulk cursor can resume
//! after a uuid).

use serde_json::{Value, json};

pub const fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A hash of `(seed, salt, i, k)`.
#[inline]
pub fn h(seed: u64, salt: u64, i: u64, k: u64) -> u64 {
    splitmix(seed ^ splitmix(salt ^ splitmix(i ^ k.rotate_left(40))))
}

const MASK48: u64 = (1 << 48) - 1;
const MUL48: u64 = 0x5DEE_CE66_D1B5; // odd, so invertible mod 2^48

fn inv48() -> u64 {
    // Newton's iteration for the inverse of an odd number mod 2^64.
    let mut x = MUL48;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(MUL48.wrapping_mul(x)));
    }
    x & MASK48
}

/// Salts per identifier kind.
pub mod salt {
    pub const IMG_SHORT: u64 = 0x1111;
    pub const IMG_UUID: u64 = 0x2222;
    pub const CTR_SHORT: u64 = 0x3333;
    pub const CTR_UUID: u64 = 0x4444;
    pub const IMG: u64 = 0x5555;
    pub const CTR: u64 = 0x6666;
    pub const SENSOR: u64 = 0x7777;
    pub const REG: u64 = 0x8888;
    pub const MISC: u64 = 0x9999;
}

pub fn scramble(seed: u64, salt: u64, i: u64) -> u64 {
    (i.wrapping_add(h(seed, salt, 0, 0)).wrapping_mul(MUL48)) & MASK48
}

pub fn unscramble(seed: u64, salt: u64, v: u64) -> u64 {
    (v.wrapping_mul(inv48()) & MASK48).wrapping_sub(h(seed, salt, 0, 0)) & MASK48
}

/// A version-4-looking uuid whose last group encodes `i`.
pub fn uuid_for(seed: u64, salt: u64, i: u64) -> String {
    let a = h(seed, salt, i, 1);
    let b = h(seed, salt, i, 2);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        b & 0xfff,
        scramble(seed, salt, i)
    )
}

/// The index a `uuid_for` uuid encodes (the caller checks it round-trips).
pub fn index_of_uuid(seed: u64, salt: u64, uuid: &str) -> Option<u64> {
    if uuid.len() != 36 {
        return None;
    }
    let last = u64::from_str_radix(&uuid[24..], 16).ok()?;
    Some(unscramble(seed, salt, last))
}

/// A random-looking uuid from a single hash (for stored objects).
pub fn uuid_from(x: u64) -> String {
    let a = splitmix(x);
    let b = splitmix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 32) & 0xfff,
        b & MASK48
    )
}

pub fn hex64(seed: u64, salt: u64, i: u64) -> String {
    let mut s = String::with_capacity(64);
    for k in 0..4 {
        s.push_str(&format!("{:016x}", h(seed, salt, i, 100 + k)));
    }
    s
}

/// A 64-hex sha whose first 12 characters are the short id that encodes `i`.
pub fn sha_for(seed: u64, short_salt: u64, body_salt: u64, i: u64) -> String {
    let mut s = format!("{:012x}", scramble(seed, short_salt, i));
    s.push_str(&hex64(seed, body_salt, i)[..52]);
    s
}

pub fn index_of_short(seed: u64, short_salt: u64, id: &str) -> Option<u64> {
    if id.len() < 12 || !id.is_char_boundary(12) {
        return None;
    }
    let v = u64::from_str_radix(&id[..12], 16).ok()?;
    Some(unscramble(seed, short_salt, v))
}

pub fn pick<'a>(pool: &[&'a str], x: u64) -> &'a str {
    pool[(x % pool.len() as u64) as usize]
}

pub fn ip(x: u64) -> String {
    format!(
        "10.{}.{}.{}",
        (x >> 8) & 0xff,
        (x >> 16) & 0xff,
        1 + (x & 0xfd)
    )
}

pub fn mac(x: u64) -> String {
    let b = x.to_be_bytes();
    format!("02:42:{:02x}:{:02x}:{:02x}:{:02x}", b[2], b[3], b[4], b[5])
}

/// "Now" of the generated world: a fixed instant so runs are reproducible (2026-04-01T00:00Z).
pub const NOW_MS: u64 = 1_775_001_600_000;
/// Generated objects are created over the two years before `NOW_MS`.
pub const SPAN_MS: u64 = 2 * 365 * 24 * 3600 * 1000;

pub const REPOS: &[&str] = &[
    "library/nginx",
    "library/redis",
    "library/postgres",
    "library/alpine",
    "library/ubuntu",
    "library/python",
    "library/node",
    "qualys/cms/cms-api-service",
    "qualys/cms/cms-processor-service",
    "qualysdemo/checkoutapp",
    "acme/payments",
    "acme/frontend",
    "acme/inventory",
    "ngrok/ngrok",
    "grafana/grafana",
    "prom/prometheus",
];
pub const TAGS: &[&str] = &[
    "latest",
    "1.0.0",
    "1.2.0.0",
    "2.3.1",
    "stable",
    "cicdcheck",
    "3.19",
    "22.04",
];
pub const OSES: &[&str] = &[
    "Ubuntu Linux 22.04",
    "Alpine Linux 3.19.1",
    "Debian Linux 12.5",
    "Red Hat Enterprise Linux 9.3",
    "Amazon Linux 2023",
];
pub const SOURCES: &[&str] = &["GENERAL", "REGISTRY", "CICD", "CONTINUOUS_ASSESSMENT"];
pub const CONTAINER_STATES: &[&str] = &[
    "RUNNING", "RUNNING", "RUNNING", "STOPPED", "CREATED", "PAUSED", "DELETED",
];
pub const ADJ: &[&str] = &[
    "thirsty", "eager", "brave", "calm", "dreamy", "focused", "jolly", "keen", "nifty", "quirky",
    "sharp", "zen",
];
pub const NAMES: &[&str] = &[
    "perlman", "turing", "hopper", "lovelace", "knuth", "ritchie", "thompson", "torvalds", "curie",
    "noether",
];
pub const SOFTWARE: &[(&str, &str, &str)] = &[
    ("openssl", "3.0.2", "3.0.13"),
    ("libc6", "2.35", "2.35-0ubuntu3.6"),
    ("zlib", "1.2.11", "1.2.13"),
    ("curl", "7.81.0", "7.88.1"),
    ("bash", "5.1", ""),
    ("busybox", "1.36.1", "1.36.1-r15"),
    ("python3", "3.10.12", "3.10.14"),
    ("libxml2", "2.9.13", "2.9.14"),
    ("tar", "1.34", ""),
    ("nginx", "1.25.3", "1.25.4"),
];

/// (qid, title, category, cve)
pub const QIDS: [&[(u64, &str, &str, &str)]; 5] = [
    &[
        (
            38510,
            "CA Agent Discloses Exact Operating System Version",
            "General remote services",
            "",
        ),
        (
            45038,
            "Host Scan Time - Scanner",
            "Information gathering",
            "",
        ),
    ],
    &[
        (
            105943,
            "EOL/Obsolete Software: Python 2.7 Detected",
            "Security Policy",
            "",
        ),
        (
            38628,
            "SSL/TLS Server supports TLSv1.0",
            "General remote services",
            "CVE-2011-3389",
        ),
    ],
    &[
        (
            376162,
            "Curl Multiple Vulnerabilities",
            "Local",
            "CVE-2023-38546",
        ),
        (
            178842,
            "Ubuntu Security Notification for Bash Vulnerability",
            "Ubuntu",
            "CVE-2022-3715",
        ),
    ],
    &[
        (
            178991,
            "Ubuntu Security Notification for OpenSSL Vulnerabilities",
            "Ubuntu",
            "CVE-2023-5678",
        ),
        (
            691258,
            "Alpine Linux Security Update for busybox",
            "Alpine Linux",
            "CVE-2023-42366",
        ),
    ],
    &[
        (
            376708,
            "OpenSSL Remote Code Execution Vulnerability",
            "Local",
            "CVE-2022-3602",
        ),
        (
            730588,
            "Zlib Heap-based Buffer Overflow Vulnerability",
            "Local",
            "CVE-2022-37434",
        ),
    ],
];

/// Shared knowledge the generators need.
#[derive(Clone, Debug)]
pub struct World {
    pub seed: u64,
    pub images: u64,
    pub containers: u64,
    pub sensors: u64,
    pub registries: u64,
    /// Images in use: container `j` runs image `(j % in_use) * stride`.
    pub in_use: u64,
    pub stride: u64,
    pub customer_uuid: String,
}

impl World {
    pub fn new(seed: u64, images: u64, containers: u64, sensors: u64, registries: u64) -> World {
        let in_use = if images == 0 {
            0
        } else {
            images.min((containers / 3).max(1))
        };
        let stride = images.checked_div(in_use).unwrap_or(1).max(1);
        World {
            seed,
            images,
            containers,
            sensors: sensors.max(1),
            registries: registries.max(1),
            in_use,
            stride,
            customer_uuid: uuid_from(seed ^ 0xC057),
        }
    }

    fn step(&self, n: u64) -> u64 {
        (SPAN_MS / n.max(1)).max(4)
    }

    // ---- images ----
    pub fn img_created(&self, i: u64) -> u64 {
        let step = self.step(self.images);
        NOW_MS - SPAN_MS + i * step + h(self.seed, salt::IMG, i, 1) % (step / 2)
    }
    /// Monotone in `i` (the bulk cursor relies on it).
    pub fn img_updated(&self, i: u64) -> u64 {
        let step = self.step(self.images);
        self.img_created(i) + h(self.seed, salt::IMG, i, 2) % (step / 2)
    }
    pub fn img_uuid(&self, i: u64) -> String {
        uuid_for(self.seed, salt::IMG_UUID, i)
    }
    pub fn img_sha(&self, i: u64) -> String {
        sha_for(self.seed, salt::IMG_SHORT, salt::IMG, i)
    }
    pub fn img_short(&self, i: u64) -> String {
        format!("{:012x}", scramble(self.seed, salt::IMG_SHORT, i))
    }
    /// Vulnerability counts by severity 1..=5 (index 0 = severity 1).
    pub fn img_sev(&self, i: u64) -> [u64; 5] {
        let x = h(self.seed, salt::IMG, i, 3);
        let mut c = [0u64; 5];
        for (s, v) in c.iter_mut().enumerate() {
            let b = (x >> (s * 8)) & 0xff;
            // Higher severities are rarer.
            let thresholds = [60, 90, 120, 170, 215];
            *v = if b < thresholds[s] {
                0
            } else {
                1 + (b % (4 - s as u64 / 2))
            };
        }
        c
    }
    pub fn img_repo(&self, i: u64) -> (u64, &'static str, &'static str) {
        let x = h(self.seed, salt::IMG, i, 4);
        (
            x % self.registries,
            pick(REPOS, x >> 8),
            pick(TAGS, x >> 20),
        )
    }
    pub fn img_size(&self, i: u64) -> u64 {
        5_000_000 + h(self.seed, salt::IMG, i, 5) % 900_000_000
    }
    pub fn img_os(&self, i: u64) -> &'static str {
        pick(OSES, h(self.seed, salt::IMG, i, 6))
    }
    pub fn img_source(&self, i: u64) -> &'static str {
        pick(SOURCES, h(self.seed, salt::IMG, i, 7))
    }
    pub fn img_containers(&self, i: u64) -> u64 {
        if self.in_use == 0 || !i.is_multiple_of(self.stride) || i / self.stride >= self.in_use {
            return 0;
        }
        let r = i / self.stride;
        self.containers / self.in_use + u64::from(r < self.containers % self.in_use)
    }
    /// Containers running image `i`.
    pub fn img_container_ids(&self, i: u64) -> impl Iterator<Item = u64> + '_ {
        let n = self.img_containers(i);
        let r = i / self.stride;
        (0..n).map(move |k| r + k * self.in_use)
    }
    pub fn img_sensor(&self, i: u64) -> u64 {
        match self.img_container_ids(i).next() {
            Some(j) => self.ctr_sensor(j),
            None => h(self.seed, salt::IMG, i, 8) % self.sensors,
        }
    }
    pub fn img_software(&self, i: u64) -> Vec<(&'static str, &'static str, &'static str)> {
        let x = h(self.seed, salt::IMG, i, 9);
        let n = 3 + (x % 5) as usize;
        (0..n)
            .map(|k| SOFTWARE[((x >> 8) as usize + k * 3) % SOFTWARE.len()])
            .collect()
    }

    // ---- containers ----
    pub fn ctr_image(&self, j: u64) -> u64 {
        if self.in_use == 0 {
            0
        } else {
            (j % self.in_use) * self.stride
        }
    }
    pub fn ctr_created(&self, j: u64) -> u64 {
        let step = self.step(self.containers);
        NOW_MS - SPAN_MS + j * step + h(self.seed, salt::CTR, j, 1) % (step / 2)
    }
    pub fn ctr_updated(&self, j: u64) -> u64 {
        let step = self.step(self.containers);
        self.ctr_created(j) + h(self.seed, salt::CTR, j, 2) % (step / 2)
    }
    pub fn ctr_uuid(&self, j: u64) -> String {
        uuid_for(self.seed, salt::CTR_UUID, j)
    }
    pub fn ctr_sha(&self, j: u64) -> String {
        sha_for(self.seed, salt::CTR_SHORT, salt::CTR, j)
    }
    pub fn ctr_short(&self, j: u64) -> String {
        format!("{:012x}", scramble(self.seed, salt::CTR_SHORT, j))
    }
    pub fn ctr_state(&self, j: u64) -> &'static str {
        pick(CONTAINER_STATES, h(self.seed, salt::CTR, j, 3))
    }
    pub fn ctr_name(&self, j: u64) -> String {
        let x = h(self.seed, salt::CTR, j, 4);
        format!("{}_{}", pick(ADJ, x), pick(NAMES, x >> 16))
    }
    pub fn ctr_sensor(&self, j: u64) -> u64 {
        h(self.seed, salt::CTR, j, 5) % self.sensors
    }

    // ---- sensors (stored, but containers and images refer to them by index) ----
    pub fn sensor_uuid(&self, k: u64) -> String {
        uuid_for(self.seed, salt::SENSOR, k)
    }
    pub fn sensor_hostname(&self, k: u64) -> String {
        let x = h(self.seed, salt::SENSOR, k, 1);
        format!(
            "{}-node-{}",
            pick(&["cms", "docker", "k8s", "build", "edge"], x),
            k + 1
        )
    }
    pub fn sensor_ip(&self, k: u64) -> String {
        ip(h(self.seed, salt::SENSOR, k, 2))
    }
    pub fn host_json(&self, k: u64) -> Value {
        json!({
            "sensorUuid": self.sensor_uuid(k),
            "hostname": self.sensor_hostname(k),
            "ipAddress": self.sensor_ip(k),
            "uuid": uuid_for(self.seed, salt::SENSOR ^ 0xff, k),
        })
    }

    // ---- registries (stored; images refer to the generated ones by index) ----
    pub fn registry_uuid(&self, r: u64) -> String {
        uuid_for(self.seed, salt::REG, r)
    }
    pub fn registry_uri(&self, r: u64) -> String {
        match r % 4 {
            0 => "https://registry-1.docker.io".to_string(),
            1 => format!(
                "https://{}.dkr.ecr.us-east-2.amazonaws.com",
                200_000_000_000 + h(self.seed, salt::REG, r, 1) % 100_000_000_000
            ),
            2 => format!("https://art-hq{}.intranet.example.com:5001", r),
            _ => format!("https://registry{}.example.com", r),
        }
    }
    pub fn registry_type(&self, r: u64) -> &'static str {
        ["DockerHub", "AWS", "V2", "V2_PRIVATE"][(r % 4) as usize]
    }
}

pub fn ms(v: u64) -> String {
    v.to_string()
}

/// ISO-8601 UTC with milliseconds (`2026-03-20T05:52:21.000Z`), as reports print dates.
pub fn iso(ms: u64) -> String {
    let secs = ms / 1000;
    let (y, mo, d) = civil(secs / 86400);
    let t = secs % 86400;
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        t / 3600,
        (t / 60) % 60,
        t % 60,
        ms % 1000
    )
}

fn civil(days: u64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parse `YYYY-MM-DDTHH:MM[:SS[.fff]]Z` (the ISO-8601 UTC form the report APIs take).
pub fn parse_iso(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 17
        || !s.ends_with('Z')
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, hh, mi) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || hh > 23 || mi > 59 {
        return None;
    }
    let rest = &s[16..s.len() - 1];
    let sec = if rest.is_empty() {
        0
    } else {
        let r = rest.strip_prefix(':')?;
        let whole = r.split('.').next()?;
        let v: i64 = whole.parse().ok()?;
        if v > 60 {
            return None;
        }
        v
    };
    let (yy, mm) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86400 + hh * 3600 + mi * 60 + sec) * 1000) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scramble_roundtrips() {
        for seed in [0, 1, 42, u64::MAX] {
            for i in [0, 1, 2, 999_999, 1 << 40] {
                let v = scramble(seed, salt::IMG_SHORT, i);
                assert_eq!(unscramble(seed, salt::IMG_SHORT, v), i);
                let u = uuid_for(seed, salt::IMG_UUID, i);
                assert_eq!(index_of_uuid(seed, salt::IMG_UUID, &u), Some(i));
            }
        }
    }

    #[test]
    fn updated_is_monotone() {
        let w = World::new(7, 1000, 300, 20, 6);
        for i in 1..1000 {
            assert!(w.img_updated(i) >= w.img_updated(i - 1));
            assert!(w.img_created(i) > w.img_created(i - 1));
        }
    }

    #[test]
    fn iso_roundtrip() {
        assert_eq!(iso(1_773_985_941_000), "2026-03-20T05:52:21.000Z");
        assert_eq!(parse_iso("2026-03-20T05:52:21Z"), Some(1_773_985_941_000));
        assert_eq!(parse_iso("2026-03-20T05:52Z"), Some(1_773_985_920_000));
        assert_eq!(parse_iso("2026-13-20T05:52Z"), None);
    }
}
