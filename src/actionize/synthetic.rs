//! Synthetic answers for the benchmark (`benches/actionize_bench.rs`): realistic shape
//! (four sections, bullets, citations, paths), a skewed vocabulary so some words are
//! common and most are rare, and about one bullet in ten repeated from another answer
//! with an edit, so deduplication has work to do.

/// `n` answers as (file name, bytes); the same `n` and `seed` always give the same bytes.
pub fn answers(n: usize, seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut s = seed | 1;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    const VOCAB: usize = 20_000;
    let word = |i: usize| {
        let mut w = String::from("w");
        let mut x = i;
        loop {
            w.push((b'a' + (x % 26) as u8) as char);
            x /= 26;
            if x == 0 {
                break;
            }
        }
        w.push('x');
        w
    };
    let cats = [
        "contracts-interfaces",
        "invariants",
        "caching-state",
        "background-jobs",
        "observability",
        "permissions",
        "migrations",
        "ux-flows",
        "failure-modes",
        "feature-flags",
    ];
    let mut pool: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(n);
    for a in 0..n {
        let step = a % 20 + 1;
        let mut text = String::new();
        for (title, bullets) in [
            ("Direct answer (1-10 bullets, evidence-cited)", 6),
            ("Risks/unknowns (bullets)", 3),
            ("Next smallest concrete experiment (exactly one action)", 1),
            (
                "If evidence is insufficient, name the exact missing file/path pattern(s) to attach next",
                1,
            ),
        ] {
            text.push_str(title);
            text.push_str("\n\n");
            for _ in 0..bullets {
                let bullet = if !pool.is_empty() && next() < 0.1 {
                    let i = (next() * pool.len() as f64) as usize % pool.len();
                    format!("{} {}", pool[i], word((next() * VOCAB as f64) as usize))
                } else {
                    let len = 12 + (next() * 12.0) as usize;
                    let mut b: Vec<String> = (0..len)
                        // Cubing skews draws to low indices: a few common words, a long tail.
                        .map(|_| word(((next().powi(3)) * VOCAB as f64) as usize))
                        .collect();
                    b.push(format!("internal/{}/{}.go:Fn{}", word(a % 50), word(a), a));
                    b.join(" ")
                };
                text.push_str(&bullet);
                text.push_str("\n\nOraclepack_Compatibility_Issues\n\n");
                pool.push(bullet);
            }
        }
        let name = format!("{step:02}-{}-synthetic-{a:05}.md", cats[(step - 1) / 2]);
        out.push((name, text.into_bytes()));
    }
    out
}
