//! Filters compiled for generated images and containers, which a filtered list evaluates on
//! every index (1,000,000 of them in a benchmark).
//!
//! A term on a field with few possible values (operating system, source, repository, tag,
//! state, severities, a sensor's host...) becomes a lookup table: the term is evaluated once
//! per possible value, with `qql`'s own matching, and each item only computes the index of its
//! value (one hash). Other terms are evaluated on `ImgF`/`CtrF` as before.

use crate::data::{CtrF, ImgF};
use crate::qql::{Expr, FVal, Term};
use crate::synth::{ADJ, CONTAINER_STATES, NAMES, OSES, REPOS, SOURCES, TAGS, World, h, salt};
use crate::txt;
use std::borrow::Cow;

/// Generated items of this kind.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Gen {
    Image,
    Container,
}

/// Domains larger than this (many registries or sensors) are left to the generic evaluation.
const MAX_TABLE: u64 = 4096;

enum Node<'e> {
    And(Box<Node<'e>>, Box<Node<'e>>),
    Or(Box<Node<'e>>, Box<Node<'e>>),
    Not(Box<Node<'e>>),
    /// `table[index(w, i)]`.
    Table {
        index: fn(&World, u64) -> usize,
        table: Vec<bool>,
    },
    Term(&'e Term),
}

/// An expression ready to run over generated items.
pub(crate) struct Compiled<'e, 'w> {
    w: &'w World,
    kind: Gen,
    node: Node<'e>,
}

/// A field with a small domain: its size, the index of item `i`'s value, and the value at an
/// index (exactly what `ImgF`/`CtrF` give for that field).
struct Domain {
    size: u64,
    index: fn(&World, u64) -> usize,
    value: fn(&World, usize) -> FVal<'static>,
}

fn st(s: &'static str) -> FVal<'static> {
    FVal::Str(Cow::Borrowed(s))
}

fn owned(s: &str) -> FVal<'static> {
    FVal::Str(Cow::Owned(s.to_string()))
}

/// `vulnerabilities.severity` for a mask of `World::img_sev_mask`.
fn sev_list(_: &World, m: usize) -> FVal<'static> {
    FVal::List(
        (0..5)
            .filter(|k| m & (1 << k) != 0)
            .map(|k| FVal::Num(k as f64 + 1.0))
            .collect(),
    )
}

fn img_repo_x(w: &World, i: u64) -> u64 {
    h(w.seed, salt::IMG, i, 4)
}

fn img_domain(w: &World, name: &str) -> Option<Domain> {
    let f = name.strip_prefix("image.").unwrap_or(name);
    let d = |size: usize, index, value| {
        Some(Domain {
            size: size as u64,
            index,
            value,
        })
    };
    match f {
        "operatingSystem" | "os" => d(
            OSES.len(),
            |w, i| (h(w.seed, salt::IMG, i, 6) % OSES.len() as u64) as usize,
            |_, k| st(OSES[k]),
        ),
        "source" => d(
            SOURCES.len(),
            |w, i| (h(w.seed, salt::IMG, i, 7) % SOURCES.len() as u64) as usize,
            |_, k| st(SOURCES[k]),
        ),
        "repo.repository" => d(
            REPOS.len(),
            |w, i| ((img_repo_x(w, i) >> 8) % REPOS.len() as u64) as usize,
            |_, k| st(REPOS[k]),
        ),
        "isDockerHubOfficial" => d(
            REPOS.len(),
            |w, i| ((img_repo_x(w, i) >> 8) % REPOS.len() as u64) as usize,
            |_, k| FVal::Bool(REPOS[k].starts_with("library/")),
        ),
        "repo.tag" => d(
            TAGS.len(),
            |w, i| ((img_repo_x(w, i) >> 20) % TAGS.len() as u64) as usize,
            |_, k| st(TAGS[k]),
        ),
        "repo.registry" if w.registries <= MAX_TABLE => d(
            w.registries as usize,
            |w, i| (img_repo_x(w, i) % w.registries) as usize,
            |w, r| owned(txt::registry_host(w, r as u64).as_str()),
        ),
        // `[uuid]` for REGISTRY images, else `[]`: index = source * registries + registry.
        "registryUuid" if w.registries <= MAX_TABLE => d(
            SOURCES.len() * w.registries as usize,
            |w, i| {
                let s = h(w.seed, salt::IMG, i, 7) % SOURCES.len() as u64;
                (s * w.registries + img_repo_x(w, i) % w.registries) as usize
            },
            |w, k| {
                let (s, r) = (k as u64 / w.registries, k as u64 % w.registries);
                FVal::List(if SOURCES[s as usize] == "REGISTRY" {
                    vec![owned(txt::uuid_for(w.seed, salt::REG, r).as_str())]
                } else {
                    vec![]
                })
            },
        ),
        "vulnerabilities.severity" => d(32, |w, i| w.img_sev_mask(i), sev_list),
        "vulnerabilities.severity1Count" => d(5, |w, i| w.img_sev(i)[0] as usize, count),
        "vulnerabilities.severity2Count" => d(5, |w, i| w.img_sev(i)[1] as usize, count),
        "vulnerabilities.severity3Count" => d(5, |w, i| w.img_sev(i)[2] as usize, count),
        "vulnerabilities.severity4Count" => d(5, |w, i| w.img_sev(i)[3] as usize, count),
        "vulnerabilities.severity5Count" => d(5, |w, i| w.img_sev(i)[4] as usize, count),
        "scanStatus" => d(1, |_, _| 0, |_, _| st("SUCCESS")),
        "scanType" => d(1, |_, _| 0, |_, _| st("STATIC")),
        "architecture" => d(1, |_, _| 0, |_, _| st("amd64")),
        "author" => d(1, |_, _| 0, |_, _| st("")),
        "isInstrumented" => d(1, |_, _| 0, |_, _| FVal::Bool(false)),
        _ => None,
    }
}

/// A severity count (0 to 4).
fn count(_: &World, k: usize) -> FVal<'static> {
    FVal::Num(k as f64)
}

fn ctr_sensor(w: &World, j: u64) -> usize {
    w.ctr_sensor(j) as usize
}

fn ctr_domain(w: &World, name: &str) -> Option<Domain> {
    let f = name.strip_prefix("container.").unwrap_or(name);
    let d = |size: u64, index, value| Some(Domain { size, index, value });
    let sensors = w.sensors <= MAX_TABLE;
    match f {
        "state" => d(
            CONTAINER_STATES.len() as u64,
            |w, j| (h(w.seed, salt::CTR, j, 3) % CONTAINER_STATES.len() as u64) as usize,
            |_, k| st(CONTAINER_STATES[k]),
        ),
        "isRoot" => d(
            2,
            |w, j| usize::from(h(w.seed, salt::CTR, j, 9).is_multiple_of(3)),
            |_, k| FVal::Bool(k == 1),
        ),
        "name" => d(
            (ADJ.len() * NAMES.len()) as u64,
            |w, j| {
                let x = h(w.seed, salt::CTR, j, 4);
                let a = (x % ADJ.len() as u64) as usize;
                let n = ((x >> 16) % NAMES.len() as u64) as usize;
                a * NAMES.len() + n
            },
            |_, k| {
                FVal::Str(Cow::Owned(format!(
                    "{}_{}",
                    ADJ[k / NAMES.len()],
                    NAMES[k % NAMES.len()]
                )))
            },
        ),
        "host.hostname" | "hostname" if sensors => d(w.sensors, ctr_sensor, |w, s| {
            owned(txt::sensor_hostname(w, s as u64).as_str())
        }),
        "host.ipAddress" if sensors => d(w.sensors, ctr_sensor, |w, s| {
            FVal::Str(Cow::Owned(w.sensor_ip(s as u64)))
        }),
        "host.sensorUuid" | "sensorUuid" if sensors => d(w.sensors, ctr_sensor, |w, s| {
            owned(txt::uuid_for(w.seed, salt::SENSOR, s as u64).as_str())
        }),
        // `ctr_sev` is None (the empty list, as mask 0) or the image's counts.
        "vulnerabilities.severity" => d(
            32,
            |w, j| {
                let state = w.ctr_state(j);
                if state != "CREATED" || j.is_multiple_of(2) {
                    w.img_sev_mask(w.ctr_image(j))
                } else {
                    0
                }
            },
            sev_list,
        ),
        _ => None,
    }
}

impl<'e, 'w> Compiled<'e, 'w> {
    pub fn new(e: &'e Expr, w: &'w World, kind: Gen) -> Compiled<'e, 'w> {
        Compiled {
            w,
            kind,
            node: compile(e, w, kind),
        }
    }

    pub fn matches(&self, i: u64) -> bool {
        self.eval(&self.node, i)
    }

    fn eval(&self, n: &Node, i: u64) -> bool {
        match n {
            Node::And(a, b) => self.eval(a, i) && self.eval(b, i),
            Node::Or(a, b) => self.eval(a, i) || self.eval(b, i),
            Node::Not(a) => !self.eval(a, i),
            Node::Table { index, table } => table[index(self.w, i)],
            Node::Term(t) => match self.kind {
                Gen::Image => t.eval(&ImgF { w: self.w, i }),
                Gen::Container => t.eval(&CtrF { w: self.w, j: i }),
            },
        }
    }
}

fn compile<'e>(e: &'e Expr, w: &World, kind: Gen) -> Node<'e> {
    let b = |e: &'e Expr| Box::new(compile(e, w, kind));
    match e {
        Expr::And(x, y) => Node::And(b(x), b(y)),
        Expr::Or(x, y) => Node::Or(b(x), b(y)),
        Expr::Not(x) => Node::Not(b(x)),
        Expr::Term(t) => {
            let domain = match kind {
                Gen::Image => img_domain(w, &t.field),
                Gen::Container => ctr_domain(w, &t.field),
            };
            match domain {
                Some(d) if d.size > 0 => Node::Table {
                    index: d.index,
                    table: (0..d.size as usize)
                        .map(|k| t.holds(&(d.value)(w, k)))
                        .collect(),
                },
                _ => Node::Term(t),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qql;

    /// Every compiled filter agrees with the plain evaluation, item by item.
    #[test]
    fn compiled_filters_agree_with_the_plain_evaluation() {
        let img = [
            "operatingSystem:Alpine",
            "os:'Ubuntu Linux 22.04'",
            "image.os:linux AND source:REGISTRY",
            "source: [CICD, GENERAL]",
            "repo.repository:library/*",
            "repo.repository:nginx OR repo.tag:latest",
            "not repo.tag:1.2.0.0",
            "repo.registry:docker",
            "repo.registry:*example.com*",
            "registryUuid:*",
            "registryUuid:null",
            "vulnerabilities.severity:5",
            "vulnerabilities.severity:[4 ... 5]",
            "not vulnerabilities.severity: [1, 2]",
            "vulnerabilities.severity5Count>1",
            "vulnerabilities.severity3Count:[1 ... 2] AND vulnerabilities.severity1Count:0",
            "isDockerHubOfficial:true",
            "scanStatus:SUCCESS AND architecture:amd64 AND isInstrumented:false",
            "author:''",
            "size>400000000 AND os:debian",
            "created>now-100d OR (source:CICD AND not os:Alpine)",
        ];
        let ctr = [
            "state:RUNNING",
            "state: [STOPPED, PAUSED]",
            "not state:running",
            "isRoot:true",
            "name:brave_*",
            "name:turing",
            "host.hostname:cms",
            "hostname:*-node-1*",
            "host.ipAddress:10.*",
            "sensorUuid:*a*",
            "vulnerabilities.severity:5",
            "not vulnerabilities.severity:*",
            "state:CREATED AND vulnerabilities.severity:[1 ... 5]",
            "container.state:RUNNING OR updated>now-30d",
        ];
        for w in [
            World::new(42, 2000, 3000, 20, 6),
            World::new(9, 1500, 1200, 3, 13),
        ] {
            for f in img {
                let e = qql::parse(f).unwrap().unwrap();
                let c = Compiled::new(&e, &w, Gen::Image);
                let mut hits = 0;
                for i in 0..w.images {
                    let want = e.eval(&ImgF { w: &w, i });
                    assert_eq!(c.matches(i), want, "{f} on image {i}");
                    hits += usize::from(want);
                }
                assert!(hits > 0 || f.contains("null"), "{f} matches nothing");
            }
            for f in ctr {
                let e = qql::parse(f).unwrap().unwrap();
                let c = Compiled::new(&e, &w, Gen::Container);
                for j in 0..w.containers {
                    assert_eq!(
                        c.matches(j),
                        e.eval(&CtrF { w: &w, j }),
                        "{f} on container {j}"
                    );
                }
            }
        }
    }
}
