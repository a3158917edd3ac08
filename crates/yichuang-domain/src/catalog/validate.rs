//! Whole-file validation of a catalog. The file is walked as untyped JSON so that every problem
//! is collected, instead of stopping at the first one as a typed deserializer would.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::{Catalog, MATTER_KINDS};

/// One problem found in a catalog file: where (`matters[17].department`) and why (Chinese).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// JSON path of the offending value.
    pub path: String,
    /// Why it is wrong.
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Parses and validates a catalog file. On failure every problem found is returned.
pub fn parse_catalog(text: &str) -> Result<Catalog, Vec<Problem>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![Problem {
            path: format!("第{}行第{}列", e.line(), e.column()),
            reason: format!("不是合法的 JSON：{e}"),
        }]
    })?;
    let mut v = Validator::default();
    v.catalog(&value);
    if !v.problems.is_empty() {
        return Err(v.problems);
    }
    let mut catalog: Catalog = serde_json::from_value(value).map_err(|e| {
        vec![Problem {
            path: "$".into(),
            reason: format!("结构不符合目录格式：{e}"),
        }]
    })?;
    for m in &mut catalog.matters {
        m.contact = m.contact.or(&catalog.contact);
    }
    Ok(catalog)
}

#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
}

/// Codes defined by the catalog's reference lists, used to check matter references.
#[derive(Default)]
struct Refs {
    groups: HashSet<String>,
    departments: HashSet<String>,
    license_types: HashSet<String>,
}

impl Validator {
    fn problem(&mut self, path: &str, reason: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_owned(),
            reason: reason.into(),
        });
    }

    fn object<'a>(&mut self, path: &str, v: &'a Value) -> Option<&'a Map<String, Value>> {
        let o = v.as_object();
        if o.is_none() {
            self.problem(path, "应为对象");
        }
        o
    }

    fn array<'a>(&mut self, path: &str, o: &'a Map<String, Value>, key: &str) -> &'a [Value] {
        let p = join(path, key);
        match o.get(key) {
            None => {
                self.problem(&p, "缺少字段");
                &[]
            }
            Some(Value::Array(a)) => a,
            Some(_) => {
                self.problem(&p, "应为数组");
                &[]
            }
        }
    }

    fn string(&mut self, path: &str, o: &Map<String, Value>, key: &str) -> Option<String> {
        let p = join(path, key);
        match o.get(key) {
            None => self.problem(&p, "缺少字段"),
            Some(Value::String(s)) if s.trim().is_empty() => self.problem(&p, "不能为空"),
            Some(Value::String(s)) => return Some(s.clone()),
            Some(_) => self.problem(&p, "应为字符串"),
        }
        None
    }

    /// An optional reference: absent or null is fine, a string must be non-empty.
    fn opt_string(&mut self, path: &str, o: &Map<String, Value>, key: &str) -> Option<String> {
        match o.get(key) {
            None | Some(Value::Null) => None,
            Some(_) => self.string(path, o, key),
        }
    }

    fn boolean(&mut self, path: &str, o: &Map<String, Value>, key: &str) {
        match o.get(key) {
            None => self.problem(&join(path, key), "缺少字段"),
            Some(Value::Bool(_)) => {}
            Some(_) => self.problem(&join(path, key), "应为 true 或 false"),
        }
    }

    fn uint(&mut self, path: &str, o: &Map<String, Value>, key: &str) -> Option<i64> {
        let p = join(path, key);
        match o.get(key) {
            None => self.problem(&p, "缺少字段"),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) if i < 0 => self.problem(&p, format!("不能为负数（{i}）")),
                Some(i) if i > i64::from(u32::MAX) => self.problem(&p, "数值过大"),
                Some(i) => return Some(i),
                None => self.problem(&p, "应为整数"),
            },
            Some(_) => self.problem(&p, "应为整数"),
        }
        None
    }

    fn strings(&mut self, path: &str, o: &Map<String, Value>, key: &str) {
        let p = join(path, key);
        for (i, item) in self.array(path, o, key).iter().enumerate() {
            if item.as_str().is_none_or(|s| s.trim().is_empty()) {
                self.problem(&format!("{p}[{i}]"), "应为非空字符串");
            }
        }
    }

    fn one_of(&mut self, path: &str, o: &Map<String, Value>, key: &str, allowed: &[&str]) {
        if let Some(s) = self.string(path, o, key)
            && !allowed.contains(&s.as_str())
        {
            self.problem(
                &join(path, key),
                format!("取值 \"{s}\" 无效，应为 {}", allowed.join("、")),
            );
        }
    }

    /// Validates a list of `{code, …}` records, reporting duplicates, and returns the codes.
    fn coded_list(
        &mut self,
        root: &Map<String, Value>,
        key: &str,
        mut each: impl FnMut(&mut Self, &str, &Map<String, Value>),
    ) -> HashSet<String> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, item) in self.array("", root, key).iter().enumerate() {
            let path = format!("{key}[{i}]");
            let Some(o) = self.object(&path, item) else {
                continue;
            };
            if let Some(code) = self.string(&path, o, "code") {
                if let Some(first) = seen.get(&code) {
                    self.problem(
                        &join(&path, "code"),
                        format!("编码 \"{code}\" 重复（与 {key}[{first}] 相同）"),
                    );
                } else {
                    seen.insert(code, i);
                }
            }
            each(self, &path, o);
        }
        seen.into_keys().collect()
    }

    fn catalog(&mut self, value: &Value) {
        let Some(root) = self.object("$", value) else {
            return;
        };
        match root.get("region") {
            Some(r) => {
                if let Some(o) = self.object("region", r) {
                    self.string("region", o, "code");
                    self.string("region", o, "name");
                }
            }
            None => self.problem("region", "缺少字段"),
        }
        self.contact("", root);
        let mut refs = Refs {
            groups: self.coded_list(root, "window_groups", |v, p, o| {
                v.string(p, o, "name");
            }),
            ..Refs::default()
        };
        let groups = refs.groups.clone();
        let check_group = move |v: &mut Self, p: &str, o: &Map<String, Value>, key: &str| {
            if let Some(g) = v.string(p, o, key)
                && !groups.contains(&g)
            {
                v.problem(&join(p, key), format!("未知窗口类别 \"{g}\""));
            }
        };
        refs.departments = self.coded_list(root, "departments", |v, p, o| {
            v.string(p, o, "name");
            v.string(p, o, "short_name");
            v.boolean(p, o, "in_center");
            check_group(v, p, o, "window_group");
        });
        self.coded_list(root, "windows", |v, p, o| {
            v.string(p, o, "name");
            check_group(v, p, o, "group");
        });
        refs.license_types = self.coded_list(root, "license_types", |v, p, o| {
            v.string(p, o, "name");
            v.string(p, o, "issuer");
        });
        self.coded_list(root, "matters", |v, p, o| v.matter(p, o, &refs));
        self.elsewhere(root);
    }

    /// The optional `elsewhere` list: each entry names a service, a place and keywords, and no
    /// keyword may be a matter's name or alias (the matter would never be found by it).
    fn elsewhere(&mut self, root: &Map<String, Value>) {
        if !root.contains_key("elsewhere") {
            return;
        }
        let mut own: HashSet<&str> = HashSet::new();
        for m in root
            .get("matters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            own.extend(m.get("name").and_then(Value::as_str));
            own.extend(
                m.get("aliases")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str),
            );
        }
        for (i, item) in self.array("", root, "elsewhere").iter().enumerate() {
            let path = format!("elsewhere[{i}]");
            let Some(o) = self.object(&path, item) else {
                continue;
            };
            self.string(&path, o, "service");
            self.string(&path, o, "where");
            if o.get("note")
                .is_some_and(|n| !n.is_null() && !n.is_string())
            {
                self.problem(&join(&path, "note"), "应为字符串");
            }
            let keywords = self.array(&path, o, "keywords");
            if keywords.is_empty() && o.contains_key("keywords") {
                self.problem(&join(&path, "keywords"), "至少应有一个关键词");
            }
            for (k, word) in keywords.iter().enumerate() {
                let at = format!("{path}.keywords[{k}]");
                match word.as_str().map(str::trim) {
                    None | Some("") => self.problem(&at, "应为非空字符串"),
                    Some(w) if own.contains(w) => {
                        self.problem(
                            &at,
                            format!("“{w}”是本目录事项的名称或俗称，不能作为非本中心业务的关键词"),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
    }

    fn license_ref(&mut self, path: &str, o: &Map<String, Value>, refs: &Refs) -> Option<String> {
        let lt = self.opt_string(path, o, "license_type")?;
        if !refs.license_types.contains(&lt) {
            self.problem(
                &join(path, "license_type"),
                format!("未知证照类型 \"{lt}\""),
            );
        }
        Some(lt)
    }

    /// The optional `contact` of the catalog or of a matter: texts, phones that are phones.
    fn contact(&mut self, path: &str, o: &Map<String, Value>) {
        let Some(v) = o.get("contact") else { return };
        let p = join(path, "contact");
        let Some(c) = self.object(&p, v) else { return };
        for (key, value) in c {
            let at = join(&p, key);
            let Some(text) = value.as_str() else {
                self.problem(&at, "应为字符串");
                continue;
            };
            match key.as_str() {
                "place" | "hours" if text.chars().count() > 200 => {
                    self.problem(&at, "不能超过 200 个字");
                }
                "place" | "hours" => {}
                "consult_phone" | "complaint_phone" => {
                    if let Err(reason) = phone_list(text) {
                        self.problem(&at, reason);
                    }
                }
                _ => self.problem(
                    &at,
                    "未知字段（可用 place、hours、consult_phone、complaint_phone）",
                ),
            }
        }
    }

    fn matter(&mut self, p: &str, o: &Map<String, Value>, refs: &Refs) {
        self.contact(p, o);
        self.string(p, o, "name");
        if let Some(d) = self.string(p, o, "department")
            && !refs.departments.contains(&d)
        {
            self.problem(&join(p, "department"), format!("未知部门 \"{d}\""));
        }
        self.one_of(p, o, "kind", MATTER_KINDS);
        if let Some(g) = self.string(p, o, "window_group")
            && !refs.groups.contains(&g)
        {
            self.problem(&join(p, "window_group"), format!("未知窗口类别 \"{g}\""));
        }
        self.one_of(p, o, "handling", &["immediate", "promised"]);
        let legal = self.uint(p, o, "legal_limit_days");
        let promised = self.uint(p, o, "promised_limit_days");
        match o.get("handling").and_then(Value::as_str) {
            Some("immediate") => {
                for (key, v) in [
                    ("legal_limit_days", legal),
                    ("promised_limit_days", promised),
                ] {
                    if v.is_some_and(|d| d != 0) {
                        self.problem(&join(p, key), "即办件的时限应为 0");
                    }
                }
            }
            Some("promised") => {
                if promised == Some(0) {
                    self.problem(&join(p, "promised_limit_days"), "承诺件的承诺时限应大于 0");
                }
                if let (Some(pr), Some(l)) = (promised, legal)
                    && l > 0
                    && pr > l
                {
                    self.problem(
                        &join(p, "promised_limit_days"),
                        format!("承诺时限（{pr}个工作日）超过法定时限（{l}个工作日）"),
                    );
                }
            }
            _ => {}
        }
        self.string(p, o, "fee");
        self.uint(p, o, "max_visits");
        if let Some(depth) = self.uint(p, o, "online_depth")
            && !(1..=4).contains(&depth)
        {
            self.problem(
                &join(p, "online_depth"),
                format!("网办深度应为 1 至 4（{depth}）"),
            );
        }
        self.strings(p, o, "conditions");
        self.strings(p, o, "legal_basis");
        let steps = self.array(p, o, "steps");
        if o.contains_key("steps") && steps.is_empty() {
            self.problem(&join(p, "steps"), "至少应有一个环节（受理）");
        }
        self.strings(p, o, "steps");
        if let Some(roles) = o.get("step_roles") {
            let at = join(p, "step_roles");
            match roles.as_array() {
                Some(list) if list.len() == steps.len() => {
                    for (i, r) in list.iter().enumerate() {
                        let ok = r
                            .as_str()
                            .is_some_and(|r| r.is_empty() || super::STEP_ROLES.contains(&r));
                        if !ok {
                            self.problem(
                                &format!("{at}[{i}]"),
                                "应为“承办人”“审核人”“批准人”或空字符串",
                            );
                        }
                    }
                }
                Some(_) => self.problem(&at, "应与 steps 一一对应（个数相同）"),
                None => self.problem(&at, "应为数组"),
            }
        }
        if o.contains_key("aliases") {
            self.strings(p, o, "aliases");
        }
        if let Some(v) = o.get("project_stage")
            && !v.is_null()
            && v.as_str().and_then(crate::project::Stage::parse).is_none()
        {
            self.problem(
                &join(p, "project_stage"),
                "审批阶段应为 land_planning、construction_permit、construction 或 completion",
            );
        }
        if o.contains_key("life_events") {
            let path = join(p, "life_events");
            for (i, item) in self.array(p, o, "life_events").iter().enumerate() {
                if item.as_str().and_then(super::life_event_name).is_none() {
                    let codes: Vec<&str> = super::LIFE_EVENTS.iter().map(|(c, _)| *c).collect();
                    self.problem(
                        &format!("{path}[{i}]"),
                        format!("人生事件代码无效，应为 {}", codes.join("、")),
                    );
                }
            }
        }
        let materials_path = join(p, "materials");
        for (i, m) in self.array(p, o, "materials").iter().enumerate() {
            let mp = format!("{materials_path}[{i}]");
            let Some(mo) = self.object(&mp, m) else {
                continue;
            };
            self.string(&mp, mo, "name");
            self.boolean(&mp, mo, "required");
            self.one_of(
                &mp,
                mo,
                "form",
                &["original", "copy", "original_and_copy", "electronic"],
            );
            self.uint(&mp, mo, "copies");
            self.license_ref(&mp, mo, refs);
            if mo
                .get("note")
                .is_some_and(|n| !n.is_null() && !n.is_string())
            {
                self.problem(&join(&mp, "note"), "应为字符串");
            }
        }
        let rp = join(p, "result");
        match o.get("result") {
            None => self.problem(&rp, "缺少字段"),
            Some(r) => {
                if let Some(ro) = self.object(&rp, r) {
                    self.string(&rp, ro, "name");
                    self.one_of(
                        &rp,
                        ro,
                        "kind",
                        &["license", "document", "payment", "record"],
                    );
                    let lt = self.license_ref(&rp, ro, refs);
                    if ro.get("kind").and_then(Value::as_str) == Some("license") && lt.is_none() {
                        self.problem(&join(&rp, "license_type"), "证照类结果应注明证照类型");
                    }
                }
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests;

/// Checks a 咨询/投诉电话 text: one or more numbers (12345, 0563-1234567, 400…), separated by
/// 、 , ， / or spaces, with an optional 转 extension; anything else is probably not a phone.
fn phone_list(text: &str) -> Result<(), String> {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = |c: char| {
        c.is_ascii_digit()
            || matches!(
                c,
                '-' | ' ' | '、' | ',' | '，' | '/' | '转' | '(' | ')' | '（' | '）'
            )
    };
    if text.trim().is_empty() {
        return Ok(());
    }
    if let Some(bad) = text.chars().find(|c| !allowed(*c)) {
        return Err(format!("电话号码中不应有“{bad}”"));
    }
    if digits < 5 {
        return Err("电话号码至少应有 5 位数字".into());
    }
    if text.chars().count() > 100 {
        return Err("不能超过 100 个字".into());
    }
    Ok(())
}
