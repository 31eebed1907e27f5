//! Same manifest ⇒ same bytes, whatever the JSON key order and whitespace.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{render, validate};
use crate::pack::SourceFile;

fn manifest(titles: &[String]) -> Value {
    let steps: Vec<Value> = (1..=20)
        .map(|n| {
            let id = format!("{n:02}");
            json!({
                "id": id,
                "title": titles.get(n - 1).cloned().unwrap_or_default(),
                "roi": 21 - n,
                "impact": "High",
                "confidence": 0.75,
                "effort": n % 3,
                "horizon": "NearTerm",
                "category": "UX flows",
                "reference": format!("src/m{id}.rs:f"),
                "bash": format!("echo step {id}\n\n"),
                "prompt": format!("QuestionId: {id}\nWhy?"),
                "files": [format!("src/m{id}.rs")],
                "model": "gpt-5",
            })
        })
        .collect();
    json!({
        "schema_version": 1, "kind": "question-pack", "title": "T", "preamble": "Intro\n",
        "out_dir": "docs/q", "write_output": true, "prelude": "set -e\n",
        "steps": steps, "postamble": "\nDone.\n"
    })
}

fn next(rng: &mut u64) -> usize {
    *rng = rng
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*rng >> 33) as usize
}

/// Serialize with object keys in a seed-driven order and seed-driven whitespace.
fn write_shuffled(v: &Value, rng: &mut u64, out: &mut String) {
    const WS: [&str; 5] = ["", " ", "\n", "\t  ", "\r\n  "];
    let ws = WS[next(rng) % WS.len()];
    out.push_str(ws);
    match v {
        Value::Object(o) => {
            let mut keys: Vec<(&String, &Value)> = o.iter().collect();
            for i in (1..keys.len()).rev() {
                keys.swap(i, next(rng) % (i + 1));
            }
            out.push('{');
            for (i, (k, val)) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(WS[next(rng) % WS.len()]);
                out.push(':');
                write_shuffled(val, rng, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, val) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_shuffled(val, rng, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
    out.push_str(WS[next(rng) % WS.len()]);
}

fn render_text(text: String) -> String {
    let o = validate::validate(SourceFile::new("m.json", text));
    assert!(o.valid(), "{:#?}", o.diagnostics);
    render::render(o.manifest.as_ref().expect("manifest"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn key_order_and_whitespace_do_not_change_the_render(
        seed in any::<u64>(),
        titles in proptest::collection::vec("[A-Za-z][A-Za-z0-9 ,.:()-]{0,30}", 20),
    ) {
        let v = manifest(&titles);
        let canonical = render_text(serde_json::to_string(&v).expect("json"));
        let mut rng = seed;
        let mut shuffled = String::new();
        write_shuffled(&v, &mut rng, &mut shuffled);
        prop_assert_eq!(render_text(shuffled), canonical);
    }
}
