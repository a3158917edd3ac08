//! The demo catalog as search documents, shared by the evaluation test and the benchmark.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;
use yichuang_search::{Referral, SearchDoc};

/// A file of the repository, from this crate's directory.
pub(crate) fn demo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// A JSON file of the repository.
pub(crate) fn load_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(demo_path(rel)).expect("demo file readable");
    serde_json::from_str(&text).expect("demo file is JSON")
}

pub(crate) fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A string field, empty when absent.
pub(crate) fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// Maps the demo catalog's matters to search documents.
pub(crate) fn catalog_docs() -> Vec<SearchDoc> {
    let catalog = load_json("demo/xuancheng.json");
    let departments: HashMap<String, String> = catalog["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .map(|d| (text(&d["code"]), text(&d["name"])))
        .collect();
    catalog["matters"]
        .as_array()
        .expect("matters")
        .iter()
        .map(|m| SearchDoc {
            code: text(&m["code"]),
            name: text(&m["name"]),
            aliases: strings(&m["aliases"]),
            department: departments
                .get(&text(&m["department"]))
                .cloned()
                .unwrap_or_default(),
            kind: text(&m["kind"]),
            conditions: strings(&m["conditions"]),
            materials: m["materials"]
                .as_array()
                .map(|a| a.iter().map(|x| text(&x["name"])).collect())
                .unwrap_or_default(),
            result: text(&m["result"]["name"]),
            legal_basis: strings(&m["legal_basis"]),
        })
        .collect()
}

/// The demo catalog's referrals to other agencies (`elsewhere`).
pub(crate) fn catalog_referrals() -> Vec<Referral> {
    let catalog = load_json("demo/xuancheng.json");
    catalog["elsewhere"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|r| Referral {
                    service: text(&r["service"]),
                    keywords: strings(&r["keywords"]),
                    place: text(&r["where"]),
                    note: r["note"].as_str().map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default()
}
