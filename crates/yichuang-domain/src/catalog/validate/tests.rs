use super::*;

const DEMO: &str = include_str!("../../../../../demo/xuancheng.json");

#[test]
fn the_demo_catalog_is_valid() {
    let cat = parse_catalog(DEMO).expect("demo catalog must be valid");
    assert_eq!(cat.matters.len(), 255);
    assert_eq!(cat.departments.len(), 44);
    assert_eq!(cat.windows.len(), 40);
}

#[test]
fn every_problem_is_listed_with_its_path() {
    let mut v: Value = serde_json::from_str(DEMO).unwrap();
    v["matters"][17]["department"] = Value::from("xyz");
    v["matters"][3]["promised_limit_days"] = Value::from(-2);
    v["matters"][4].as_object_mut().unwrap().remove("name");
    let dup = v["matters"][0]["code"].clone();
    v["matters"][5]["code"] = dup;
    v["windows"][0]["group"] = Value::from("nowhere");
    v["matters"][6]["materials"][0]["license_type"] = Value::from("nolicense");
    let problems = parse_catalog(&v.to_string()).unwrap_err();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        text.contains(&"matters[17].department: 未知部门 \"xyz\"".to_owned()),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("matters[3].promised_limit_days: 不能为负数"))
    );
    assert!(text.contains(&"matters[4].name: 缺少字段".to_owned()));
    assert!(
        text.iter()
            .any(|t| t.starts_with("matters[5].code: 编码") && t.contains("重复"))
    );
    assert!(text.contains(&"windows[0].group: 未知窗口类别 \"nowhere\"".to_owned()));
    assert!(
        text.iter()
            .any(|t| t.starts_with("matters[6].materials[0].license_type: 未知证照类型"))
    );
    assert_eq!(problems.len(), 6, "{text:?}");
}

#[test]
fn limits_must_be_consistent_with_the_handling() {
    let mut v: Value = serde_json::from_str(DEMO).unwrap();
    let immediate = v["matters"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m["handling"] == "immediate")
        .unwrap();
    let promised = v["matters"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m["handling"] == "promised")
        .unwrap();
    v["matters"][immediate]["promised_limit_days"] = Value::from(3);
    v["matters"][promised]["legal_limit_days"] = Value::from(1);
    v["matters"][promised]["promised_limit_days"] = Value::from(2);
    let problems = parse_catalog(&v.to_string()).unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    let immediate_path = format!("matters[{immediate}].promised_limit_days");
    assert!(
        problems
            .iter()
            .any(|p| p.path == immediate_path && p.reason.contains("即办件"))
    );
    let promised_path = format!("matters[{promised}].promised_limit_days");
    assert!(
        problems
            .iter()
            .any(|p| p.path == promised_path && p.reason.contains("超过法定时限"))
    );
}

#[test]
fn invalid_json_names_the_position() {
    let problems = parse_catalog("{\"region\": ").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].reason.contains("不是合法的 JSON"));
}

#[test]
fn content_hash_changes_only_with_content() {
    let cat = parse_catalog(DEMO).unwrap();
    let mut m = cat.matters[0].clone();
    let h = m.content_hash();
    assert_eq!(h, cat.matters[0].content_hash());
    m.fee = "收费".into();
    assert_ne!(h, m.content_hash());
}

#[test]
fn the_centers_contact_fills_every_matter_that_gives_none() {
    let mut v: Value = serde_json::from_str(DEMO).unwrap();
    v["matters"][2]["contact"] =
        serde_json::json!({"place": "宣城市不动产登记中心", "consult_phone": "0563-3022000"});
    let cat = parse_catalog(&v.to_string()).unwrap();
    let own = &cat.matters[2].contact;
    assert_eq!(own.place, "宣城市不动产登记中心");
    assert_eq!(own.consult_phone, "0563-3022000");
    assert_eq!(
        own.complaint_phone, "12345",
        "the center's default fills the rest"
    );
    assert_eq!(own.hours, cat.contact.hours);
    let other = &cat.matters[0].contact;
    assert_eq!(other.place, "宣城市政务服务中心");
    assert!(other.hours.contains("9:00"));
    assert_eq!(other.consult_phone, "12345");
}

#[test]
fn contact_fields_are_checked() {
    let mut v: Value = serde_json::from_str(DEMO).unwrap();
    v["contact"]["consult_phone"] = Value::from("请打电话");
    v["matters"][1]["contact"] = serde_json::json!({"complaint_phone": "123", "email": "a@b"});
    v["matters"][3]["contact"] = serde_json::json!({"hours": 9});
    let problems = parse_catalog(&v.to_string()).unwrap_err();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    for expected in [
        "contact.consult_phone: 电话号码中不应有“请”",
        "matters[1].contact.complaint_phone: 电话号码至少应有 5 位数字",
        "matters[1].contact.email: 未知字段（可用 place、hours、consult_phone、complaint_phone）",
        "matters[3].contact.hours: 应为字符串",
    ] {
        assert!(
            text.contains(&expected.to_owned()),
            "{expected} not in {text:?}"
        );
    }
    // Numbers as halls write them pass.
    for ok in [
        "12345",
        "0563-2020000、0563-2020001",
        "400-800-1234 转 2",
        "（0563）3022000",
    ] {
        assert!(phone_list(ok).is_ok(), "{ok}");
    }
}

#[test]
fn referrals_to_other_agencies_are_read_and_checked() {
    let cat = parse_catalog(DEMO).unwrap();
    let passport = cat
        .elsewhere
        .iter()
        .find(|r| r.keywords.iter().any(|k| k == "护照"))
        .expect("the demo refers passports elsewhere");
    assert!(passport.place.contains("出入境"), "{passport:?}");

    let mut v: Value = serde_json::from_str(DEMO).unwrap();
    v.as_object_mut().unwrap().remove("elsewhere");
    assert!(parse_catalog(&v.to_string()).unwrap().elsewhere.is_empty());

    v["elsewhere"] = serde_json::json!([
        { "service": "护照", "keywords": ["护照", "营业执照", ""], "where": "出入境大厅" },
        { "service": "", "keywords": [], "where": "x", "note": 3 },
    ]);
    let text: Vec<String> = parse_catalog(&v.to_string())
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("elsewhere[0].keywords[1]: “营业执照”是本目录事项")),
        "{text:?}"
    );
    assert!(text.contains(&"elsewhere[0].keywords[2]: 应为非空字符串".to_owned()));
    assert!(text.contains(&"elsewhere[1].service: 不能为空".to_owned()));
    assert!(text.contains(&"elsewhere[1].keywords: 至少应有一个关键词".to_owned()));
    assert!(text.contains(&"elsewhere[1].note: 应为字符串".to_owned()));
    assert_eq!(text.len(), 5, "{text:?}");
}
