//! Near-duplicate findings across answers: Jaccard similarity of content-word sets, with
//! exact all-pairs candidate generation by prefix filtering (Bayardo et al., "Scaling up
//! all pairs similarity search"): with tokens in one global order (rarest first), two sets
//! with Jaccard ≥ t must share a token among the first `|x| - ceil(t·|x|) + 1` of each.
//! Only those prefixes are indexed, so the work follows the rare-token overlap instead of
//! n². The global order depends only on the multiset of findings, and clusters are the
//! connected components of the "similar" graph, so the result does not depend on the
//! order in which answers were read.

use std::collections::{BTreeMap, BTreeSet};

use super::model::Finding;

/// Jaccard threshold for "the same finding". Chosen on the 20 real answers
/// (fixtures/outputs/2026-01-08-actions): at 0.5 only 4 of 232 findings merge although
/// the same "agent-mode switch" bullet appears in five answers; at 0.35 the largest
/// clusters (6 and 5 members) are each one topic; at 0.3 single linkage chains unrelated
/// bullets into clusters of 12-13.
pub(crate) const THRESHOLD: f64 = 0.35;

/// Upper bound on the indexed prefix. The exact prefix at t = 0.35 is 65% of a set, which
/// on long texts reaches common words whose postings grow with n (quadratic overall).
/// Capping it at the 16 rarest tokens keeps postings short; the price is that a pair with
/// Jaccard ≥ t that shares none of either side's 16 rarest tokens is missed. On the real
/// fixtures 16 gives the exact clusters (unit test below; 8 and 12 each lose one pair).
const MAX_PREFIX: usize = 16;

const STOP: &[&str] = &[
    "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "has", "have",
    "her", "was", "one", "our", "out", "his", "how", "its", "may", "new", "now", "see", "way",
    "who", "did", "get", "let", "say", "she", "too", "use", "that", "this", "with", "from", "they",
    "will", "would", "there", "their", "what", "when", "which", "while", "where", "into", "than",
    "then", "them", "these", "those", "been", "being", "also", "only", "must", "should", "could",
    "each", "such", "via", "per", "e.g", "i.e", "etc", "whether", "does", "just", "more", "most",
    "some", "other", "about", "over", "under", "both", "either", "neither",
];

/// Content words of a text: lower-case alphanumeric runs of 3+ chars, stop words removed,
/// a plural `s` dropped so `steps`/`step` match.
pub(crate) fn tokens(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(|w| {
            let w = w.to_lowercase();
            if w.len() > 4 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w
            }
        })
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect()
}

struct Dsu(Vec<usize>);

impl Dsu {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        // Smaller index becomes the root so roots never depend on call order.
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// Clusters of near-duplicate findings (same section, Jaccard ≥ `threshold`), as lists
/// of indices into `findings`. `findings` must already be in canonical order (sorted by
/// id); clusters come back sorted by their first member.
pub(crate) fn cluster(findings: &[Finding], threshold: f64) -> Vec<Vec<usize>> {
    cluster_with(findings, threshold, MAX_PREFIX)
}

fn cluster_with(findings: &[Finding], threshold: f64, max_prefix: usize) -> Vec<Vec<usize>> {
    let sets: Vec<BTreeSet<String>> = findings.iter().map(|f| tokens(&f.text)).collect();
    let mut df: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &sets {
        for t in s {
            *df.entry(t.as_str()).or_default() += 1;
        }
    }
    // Global order: rarest first, ties by the token itself.
    let mut order: Vec<(&str, usize)> = df.iter().map(|(t, n)| (*t, *n)).collect();
    order.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)));
    let rank: BTreeMap<&str, u32> = order
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (*t, i as u32))
        .collect();
    let ranked: Vec<Vec<u32>> = sets
        .iter()
        .map(|s| {
            let mut v: Vec<u32> = s
                .iter()
                .filter_map(|t| rank.get(t.as_str()).copied())
                .collect();
            v.sort_unstable();
            v
        })
        .collect();
    let mut index: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
    let mut dsu = Dsu((0..findings.len()).collect());
    let mut seen: Vec<usize> = vec![usize::MAX; findings.len()];
    for (x, toks) in ranked.iter().enumerate() {
        let n = toks.len();
        if n == 0 {
            continue;
        }
        let prefix = (n - (threshold * n as f64).ceil() as usize + 1).min(max_prefix);
        for &t in &toks[..prefix.min(n)] {
            for &y in &index[t as usize] {
                if seen[y] == x {
                    continue;
                }
                seen[y] = x;
                if findings[y].section == findings[x].section
                    && jaccard(toks, &ranked[y]) >= threshold
                {
                    dsu.union(x, y);
                }
            }
        }
        for &t in &toks[..prefix.min(n)] {
            index[t as usize].push(x);
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..findings.len() {
        let r = dsu.find(i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actionize::model::Section;

    fn f(id: &str, text: &str) -> Finding {
        Finding {
            id: id.into(),
            step: "01".into(),
            category: "x".into(),
            reference: None,
            roi: None,
            section: Section::Risk,
            text: text.into(),
            evidence: vec![],
            cites: vec![],
            source: "s".into(),
            source_sha256: "h".into(),
            ordinal: 0,
        }
    }

    #[test]
    fn paraphrases_merge_distinct_do_not() {
        let v = vec![
            f("a", "Interactive CLIs can block the run waiting for input."),
            f(
                "b",
                "Interactive CLIs can block a run while waiting for input.",
            ),
            f("c", "Cache keys ignore the injected flags."),
        ];
        assert_eq!(cluster(&v, THRESHOLD), vec![vec![0, 1], vec![2]]);
    }

    /// The capped prefix loses nothing on the 20 real answers.
    #[test]
    fn capped_prefix_equals_exact_on_real_answers() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures/outputs/2026-01-08-actions");
        let Ok(files) = crate::answers::read_dir(&dir) else {
            return;
        };
        let mut v: Vec<Finding> = files
            .iter()
            .filter_map(|(n, b)| crate::actionize::input::answer(n, b))
            .flat_map(|a| crate::actionize::normalize::normalize(&a, &Default::default()))
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v.dedup_by(|a, b| a.id == b.id);
        assert!(v.len() > 200);
        assert_eq!(
            cluster(&v, THRESHOLD),
            cluster_with(&v, THRESHOLD, usize::MAX)
        );
    }

    #[test]
    fn prefix_filter_matches_brute_force() {
        // Deterministic pseudo-random texts over a small vocabulary.
        let words = [
            "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
            "juliet",
        ];
        let mut seed = 7u64;
        let mut v = Vec::new();
        for i in 0..120 {
            let mut t = String::new();
            for _ in 0..4 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                t.push_str(words[(seed >> 33) as usize % words.len()]);
                t.push(' ');
            }
            v.push(f(&format!("{i:03}"), &t));
        }
        let got = cluster_with(&v, THRESHOLD, usize::MAX);
        assert_eq!(got, cluster(&v, THRESHOLD));
        let sets: Vec<BTreeSet<String>> = v.iter().map(|x| tokens(&x.text)).collect();
        let mut dsu = Dsu((0..v.len()).collect());
        for i in 0..v.len() {
            for j in 0..i {
                let inter = sets[i].intersection(&sets[j]).count() as f64;
                let uni = sets[i].union(&sets[j]).count() as f64;
                if uni > 0.0 && inter / uni >= THRESHOLD {
                    dsu.union(i, j);
                }
            }
        }
        let mut want: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..v.len() {
            let r = dsu.find(i);
            want.entry(r).or_default().push(i);
        }
        assert_eq!(got, want.into_values().collect::<Vec<_>>());
    }
}
