//! hit@3 of the demo catalog on the development questions (`demo/eval/search_dev.json`) and on
//! the held-out questions (`demo/eval/search_holdout.json`), the rejection rate on out-of-catalog
//! questions (`demo/eval/search_reject.json`), plus behaviour checks on the real catalog.
//!
//! A question counts when one of its expected matters is in the top 3, or, when it expects
//! nothing (the center does not handle it), when no hit clears the confidence threshold. The
//! index is built with the catalog's referrals (`elsewhere`), as the application builds it: a
//! question answered by a referral has no hit, a correct rejection, and is counted apart.

use std::collections::HashMap;

use yichuang_search::SearchIndex;

mod common;
use common::{catalog_docs, catalog_referrals, load_json, strings, text};

/// Floors of hit@3, a few points under the figures reached by the confidence alone (dev 0.90,
/// holdout 0.91), so that a regression fails the test. With the referrals the figures are dev
/// 0.92 and holdout 0.96: their out-of-catalog questions (护照, 公积金, 驾照 …) are referred.
const DEV_FLOOR: f64 = 0.87;
const HOLDOUT_FLOOR: f64 = 0.88;
/// Floor of the share of out-of-catalog questions that get no hit, under the 0.93 reached with
/// the referrals (0.60 by the confidence alone).
const REJECT_FLOOR: f64 = 0.88;

/// Share of the questions of `rel` that `index` answers right: one of the expected matters in the
/// top 3, or no hit at all for a question that expects none. Prints every miss and the figure as
/// `{label} {metric} = good/total = rate`, and returns the rate.
fn score_file(
    index: &SearchIndex,
    names: &HashMap<&str, &str>,
    rel: &str,
    label: &str,
    metric: &str,
) -> f64 {
    let questions = load_json(rel);
    let questions = questions.as_array().expect("question list");
    let mut good = 0;
    let mut referred = 0;
    for q in questions {
        let query = text(&q["q"]);
        let expected = strings(&q["expected"]);
        let answer = index.search_answer(&query, 3);
        if let Some(r) = &answer.referral {
            referred += 1;
            if !expected.is_empty() {
                println!("REFERRED [{label}] {query} -> {}", r.service);
            }
        }
        let hits = answer.hits;
        let ok = if expected.is_empty() {
            hits.is_empty()
        } else {
            hits.iter().any(|h| expected.contains(&h.code))
        };
        if ok {
            good += 1;
            continue;
        }
        let want: Vec<&str> = expected
            .iter()
            .map(|c| names.get(c.as_str()).copied().unwrap_or("?"))
            .collect();
        println!("MISS [{label}] {query}\n  expected {want:?}");
        for h in &hits {
            let name = names.get(h.code.as_str()).copied().unwrap_or("?");
            println!("  got {:.2} {name}", h.score);
        }
    }
    let total = questions.len();
    let rate = good as f64 / total as f64;
    println!("{label} {metric} = {good}/{total} = {rate:.2} ({referred} referred elsewhere)");
    rate
}

/// The question files with the label and metric they are reported under.
const QUESTION_SETS: [(&str, &str, &str); 3] = [
    ("demo/eval/search_dev.json", "dev", "hit@3"),
    ("demo/eval/search_holdout.json", "holdout", "hit@3"),
    ("demo/eval/search_reject.json", "reject", "accuracy"),
];

/// All three question sets: the development questions (`search_dev.json`), on which the search
/// was tuned; the held-out questions (`search_holdout.json`), written before any tuning and used
/// only to check that a change generalises; and the out-of-catalog questions
/// (`search_reject.json`: other agencies' services and chit-chat, all expecting no hit), written
/// before the rejection was tuned.
#[test]
fn hit_at_3_on_dev_and_holdout_questions() {
    let docs = catalog_docs();
    assert_eq!(docs.len(), 255);
    assert!(
        docs.iter().all(|d| !d.aliases.is_empty()),
        "every matter has aliases"
    );
    let names: HashMap<&str, &str> = docs
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let codes: std::collections::HashSet<&str> = names.keys().copied().collect();
    for (rel, label, _) in QUESTION_SETS {
        for q in load_json(rel).as_array().expect("question list") {
            let expected = strings(&q["expected"]);
            if label == "reject" {
                assert!(expected.is_empty(), "{rel}: {q} expects a matter");
            }
            for code in expected {
                assert!(codes.contains(code.as_str()), "{rel}: unknown code {code}");
            }
        }
    }
    let index =
        SearchIndex::build_with_referrals(&docs, &catalog_referrals()).expect("index builds");

    let rates: Vec<f64> = QUESTION_SETS
        .iter()
        .map(|(rel, label, metric)| score_file(&index, &names, rel, label, metric))
        .collect();
    let (dev, holdout, reject) = (rates[0], rates[1], rates[2]);
    println!("dev hit@3 = {dev:.2}, holdout hit@3 = {holdout:.2}, reject accuracy = {reject:.2}");
    assert!(dev >= DEV_FLOOR, "dev hit@3 {dev:.2} below {DEV_FLOOR}");
    assert!(
        holdout >= HOLDOUT_FLOOR,
        "holdout hit@3 {holdout:.2} below {HOLDOUT_FLOOR}"
    );
    assert!(
        reject >= REJECT_FLOOR,
        "reject accuracy {reject:.2} below {REJECT_FLOOR}"
    );
}

#[test]
fn typo_in_business_licence_still_finds_it() {
    let index = SearchIndex::build(&catalog_docs()).expect("index builds");
    let hits = index.search("营业执找", 5);
    let plain = |html: &str| html.replace("<mark>", "").replace("</mark>", "");
    assert!(
        hits.iter()
            .any(|h| plain(&h.name_html).contains("营业执照")),
        "{hits:?}"
    );
}

#[test]
fn scores_are_confidences_in_order() {
    let index = SearchIndex::build(&catalog_docs()).expect("index builds");
    let hits = index.search("失业金咋领", 10);
    assert!(!hits.is_empty());
    for pair in hits.windows(2) {
        assert!(pair[0].score >= pair[1].score);
    }
    assert!(
        hits.iter()
            .all(|h| (index.threshold()..=1.0).contains(&h.score))
    );
}

#[test]
#[ignore = "tuning aid: prints every question's top 3 without a threshold"]
fn dump_questions() {
    let docs = catalog_docs();
    let names: HashMap<&str, &str> = docs
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let index = SearchIndex::build(&docs)
        .expect("index builds")
        .with_threshold(0.0);
    // EVAL_SET=holdout dumps the held-out questions instead of the development ones.
    let set = std::env::var("EVAL_SET").unwrap_or_else(|_| "dev".to_owned());
    let questions = load_json(&format!("demo/eval/search_{set}.json"));
    for q in questions.as_array().expect("list") {
        let expected = strings(&q["expected"]);
        let hits = index.search(&text(&q["q"]), 3);
        let rank = hits.iter().position(|h| expected.contains(&h.code));
        // For a question that expects nothing: the best score, which the threshold must beat.
        let exp_conf = if expected.is_empty() {
            hits.first().map_or(0.0, |h| h.score)
        } else {
            hits.iter()
                .find(|h| expected.contains(&h.code))
                .map_or(0.0, |h| h.score)
        };
        println!(
            "{} rank={rank:?} exp={exp_conf:.2} {}",
            if expected.is_empty() { "NEG" } else { "POS" },
            text(&q["q"])
        );
        for h in &hits {
            println!("    {:.2} {}", h.score, names[h.code.as_str()]);
        }
    }
}

#[test]
fn questions_about_nothing_in_the_catalog_get_no_hit() {
    let index = SearchIndex::build(&catalog_docs()).expect("index builds");
    for query in ["附近有什么好吃的", "帮我写一首诗", "哈哈哈"] {
        let hits = index.search(query, 3);
        assert!(hits.is_empty(), "{query}: {hits:?}");
    }
}

/// The guide's names of the top hits of `query`.
fn top_names(index: &SearchIndex, docs: &[yichuang_search::SearchDoc], query: &str) -> Vec<String> {
    index
        .search(query, 3)
        .iter()
        .filter_map(|h| docs.iter().find(|d| d.code == h.code))
        .map(|d| d.name.clone())
        .collect()
}

#[test]
fn household_registration_is_not_answered_by_materials() {
    // No matter of the catalog is about 户口; sixteen ask for a 居民户口簿 among their
    // materials, and none of them may clear the threshold.
    let docs = catalog_docs();
    assert!(
        !docs
            .iter()
            .any(|d| d.name.contains("户口") || d.aliases.iter().any(|a| a.contains("户口"))),
        "the catalog has a 户口 matter now: assert that it comes first instead"
    );
    let index = SearchIndex::build(&docs).expect("index builds");
    for query in ["孩子上户口", "给孩子上户口要带什么"] {
        let names = top_names(&index, &docs, query);
        assert!(names.is_empty(), "{query}: {names:?}");
    }
}

#[test]
fn a_small_restaurant_finds_the_sole_trader_licence() {
    let docs = catalog_docs();
    let index = SearchIndex::build(&docs).expect("index builds");
    let names = top_names(&index, &docs, "我想开个小饭馆要办啥");
    assert!(names.iter().any(|n| n == "个体工商户设立登记"), "{names:?}");
    assert!(
        names.iter().any(|n| n == "食品经营许可（新办）"),
        "{names:?}"
    );
}

#[test]
fn other_agencies_services_get_no_hit() {
    let docs = catalog_docs();
    let index = SearchIndex::build(&docs).expect("index builds");
    for query in [
        "护照怎么办",
        "护照丢了怎么补办",
        "驾驶证到期了怎么换",
        "驾驶证丢了咋补办",
        "公积金怎么取",
        "公积金怎么提取出来",
    ] {
        let names = top_names(&index, &docs, query);
        assert!(names.is_empty(), "{query}: {names:?}");
    }
}

#[test]
fn other_agencies_services_are_referred_to_them() {
    let docs = catalog_docs();
    let index =
        SearchIndex::build_with_referrals(&docs, &catalog_referrals()).expect("index builds");
    for (query, place) in [
        ("护照快过期了怎么办", "出入境"),
        ("驾照被扣了12分怎么办", "车辆管理所"),
        ("公积金贷款买房", "住房公积金管理中心"),
        ("我们想登记结婚", "婚姻登记处"),
    ] {
        let answer = index.search_answer(query, 3);
        assert!(answer.hits.is_empty(), "{query}: {:?}", answer.hits);
        let referral = answer.referral.expect(query);
        assert!(referral.place.contains(place), "{query}: {referral:?}");
    }
    // Questions that name a catalog matter are the catalog's, keyword or not.
    for query in ["结婚证明去哪开", "超限通行证怎么办", "开药店要带身份证吗"]
    {
        let answer = index.search_answer(query, 3);
        assert_eq!(answer.referral, None, "{query}");
        assert!(!answer.hits.is_empty(), "{query}");
    }
}
