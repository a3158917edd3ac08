//! Scenarios of 一网通办, the 电子证照库 and investment projects.

use chrono::{Duration, NaiveDate};
use yichuang_domain::account::Role;
use yichuang_domain::case::{ApplicantKind, IssuedLicense};

use super::{ctx, demo_case, imported, t0, write_of};
use crate::{
    CaseFilter, CaseNumbering, LicenseFilter, NewApplicant, NewLicense, NewProject, NewStage,
    NewUser, Store, StoreError, StoredFile,
};

fn applicant(center_id: i64, phone: &str, id: &str) -> NewApplicant {
    NewApplicant {
        user: NewUser {
            center_id,
            username: phone.into(),
            display_name: "张三".into(),
            password_hash: "x".into(),
            roles: vec![Role::Applicant],
            department: None,
            window: None,
        },
        kind: ApplicantKind::Person,
        name: "张三".into(),
        id_number: id.into(),
        phone: phone.into(),
    }
}

fn license(center_id: i64, number: &str, holder: &str, expires: Option<NaiveDate>) -> NewLicense {
    NewLicense {
        center_id,
        license: IssuedLicense {
            number: number.into(),
            type_code: "yyzz".into(),
            type_name: "营业执照".into(),
            holder_name: "张三".into(),
            holder_id: holder.into(),
            issuer: "市场监督管理局".into(),
            issued_on: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            expires_on: expires,
            trust_level: "A".into(),
        },
        case_no: None,
        source: "import".into(),
    }
}

/// Applicant accounts are unique by phone and ID number; a code is consumed once and dies after
/// too many misses; files are stored and read back; licences are unique by number, found by
/// holder, and told about their expiry once.
pub async fn applicants_codes_files_and_licences(store: &dyn Store) {
    let center = imported(store).await;
    let a = store
        .create_applicant(
            &applicant(center, "13900000001", "11010519491231002X"),
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(a.user.roles, vec![Role::Applicant]);
    let p = store.applicant_profile(a.user.id).await.unwrap().unwrap();
    assert_eq!(p.id_number, "11010519491231002X");
    assert_eq!(
        store
            .applicant_by_id_number("11010519491231002X")
            .await
            .unwrap()
            .map(|p| p.user_id),
        Some(a.user.id)
    );
    for (phone, id) in [
        ("13900000001", "341802198001011230"),
        ("13900000002", "11010519491231002X"),
    ] {
        let e = store
            .create_applicant(&applicant(center, phone, id), &ctx())
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    }
    // The refused second account left no login behind.
    assert!(
        store
            .user_by_username("13900000002")
            .await
            .unwrap()
            .is_none()
    );

    let exp = t0() + Duration::minutes(10);
    store
        .save_verification_code("13900000009", "good", exp, &ctx())
        .await
        .unwrap();
    assert!(
        !store
            .consume_verification_code("13900000009", "bad", 2, &ctx())
            .await
            .unwrap()
    );
    assert!(
        store
            .consume_verification_code("13900000009", "good", 2, &ctx())
            .await
            .unwrap()
    );
    assert!(
        !store
            .consume_verification_code("13900000009", "good", 2, &ctx())
            .await
            .unwrap()
    );
    store
        .save_verification_code("13900000009", "good", exp, &ctx())
        .await
        .unwrap();
    for _ in 0..2 {
        store
            .consume_verification_code("13900000009", "bad", 2, &ctx())
            .await
            .unwrap();
    }
    assert!(
        !store
            .consume_verification_code("13900000009", "good", 2, &ctx())
            .await
            .unwrap(),
        "a code survives too many misses"
    );

    let f = StoredFile {
        id: "f0123456789abcdef".into(),
        owner: a.user.id,
        sha256: "ab".repeat(32),
        size: 42,
        content_type: "application/pdf".into(),
        name: "申请表.pdf".into(),
        created_at: t0(),
    };
    store.create_file(&f, &ctx()).await.unwrap();
    assert_eq!(store.file(&f.id).await.unwrap(), Some(f));

    let soon = NaiveDate::from_ymd_opt(2026, 11, 20);
    let later = NaiveDate::from_ymd_opt(2030, 1, 1);
    let n = store
        .import_licenses(
            &[
                license(center, "L-1", "11010519491231002X", soon),
                license(center, "L-2", "11010519491231002X", later),
                license(center, "L-3", "341802198001011230", None),
            ],
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(n, 3);
    let dup = store
        .import_licenses(
            &[
                license(center, "L-4", "11010519491231002X", None),
                license(center, "L-1", "11010519491231002X", None),
            ],
            &ctx(),
        )
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)));
    assert!(
        store.license("L-4").await.unwrap().is_none(),
        "an import is all or nothing"
    );
    let held = store
        .licenses(&LicenseFilter {
            center_id: center,
            holder_id: Some("11010519491231002X".into()),
            type_code: Some("yyzz".into()),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(held.len(), 2);
    let due = store
        .licenses_expiring(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter()
            .map(|l| l.license.number.as_str())
            .collect::<Vec<_>>(),
        ["L-1"]
    );
    assert!(
        store
            .mark_license_notified(due[0].id, &ctx())
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_license_notified(due[0].id, &ctx())
            .await
            .unwrap()
    );
    assert!(
        store
            .licenses_expiring(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A project stage and its cases are stored together or not at all.
pub async fn a_project_stage_opens_its_cases_in_one_transaction(store: &dyn Store) {
    let center = imported(store).await;
    let project = NewProject {
        center_id: center,
        code: "2026-341800-47-01-000123".into(),
        name: "产业园一期".into(),
        company_name: "某新材料有限公司".into(),
        credit_code: "91341800MA2N000019".into(),
        location: "经开区".into(),
        investment: "52000".into(),
        industry: "新材料".into(),
        contact: "周经理 13800000009".into(),
    };
    let stage = NewStage {
        stage: "land_planning".into(),
        opened_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        limit_days: 20,
        window: "W05".into(),
    };
    let numbering = CaseNumbering {
        prefix: "341800-20261102-".into(),
        day: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
    };
    let writes: Vec<_> = (0..2)
        .map(|_| {
            let (case, events) = demo_case(center, "", t0());
            write_of(case, events)
        })
        .collect();
    let numbers = store
        .open_project_stage(&project, &stage, &writes, &numbering, &ctx())
        .await
        .unwrap();
    assert_eq!(numbers, ["341800-20261102-0001", "341800-20261102-0002"]);
    let p = store.project(&project.code).await.unwrap().unwrap();
    assert_eq!(p.stages.len(), 1);
    assert_eq!(p.stages[0].limit_days, 20);
    assert_eq!(p.cases.len(), 2);
    // The same stage again: refused, and no case was created.
    let again = store
        .open_project_stage(&project, &stage, &writes, &numbering, &ctx())
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)));
    let all = store
        .list_cases(&CaseFilter {
            center_id: center,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    // Another company cannot take over the project code.
    let mut other = project.clone();
    other.credit_code = "91350100M000100Y43".into();
    let mut next = stage.clone();
    next.stage = "construction".into();
    let e = store
        .open_project_stage(&other, &next, &writes[..1], &numbering, &ctx())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)));
    let users = store.users(center).await.unwrap();
    if let Some(u) = users.first() {
        store
            .add_project_agent(p.id, u.user.id, &ctx())
            .await
            .unwrap();
        store
            .add_project_agent(p.id, u.user.id, &ctx())
            .await
            .unwrap();
        assert_eq!(
            store.project(&project.code).await.unwrap().unwrap().agents,
            [u.user.id]
        );
    }
    assert_eq!(
        store
            .projects(center, Some("91341800MA2N000019"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .projects(center, Some("91350100M000100Y43"))
            .await
            .unwrap()
            .is_empty()
    );
}

/// Carried-over counters add to what is there, in one transaction, and read back by day.
pub async fn carried_over_counters_add_up(store: &dyn Store) {
    use crate::report::{CounterKey, Deltas};
    let center = imported(store).await;
    let day = NaiveDate::from_ymd_opt(2025, 6, 3).unwrap();
    let key = |metric: &str| CounterKey {
        center_id: center,
        day,
        dim: "center",
        key: String::new(),
        metric: metric.into(),
    };
    let mut d = Deltas::new();
    d.insert(key("received"), 7);
    d.insert(key("accepted"), 5);
    store.add_report_counters(&d, &ctx()).await.unwrap();
    store.add_report_counters(&d, &ctx()).await.unwrap();
    let rows = store
        .report_counters(center, day, day, Some("center"))
        .await
        .unwrap();
    let value = |m: &str| rows.iter().find(|c| c.metric == m).map(|c| c.value);
    assert_eq!((value("received"), value("accepted")), (Some(14), Some(10)));
}
