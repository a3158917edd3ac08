//! Records of 一网通办 and the 电子证照库: applicant accounts, uploaded files, licences.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yichuang_domain::case::{ApplicantKind, IssuedLicense};

use crate::NewUser;

/// A new applicant account: the login row and the real-name profile, stored together.
#[derive(Debug, Clone)]
pub struct NewApplicant {
    /// The login (username = phone, role applicant).
    pub user: NewUser,
    /// Person or organisation.
    pub kind: ApplicantKind,
    /// Real name or organisation name.
    pub name: String,
    /// Checked 居民身份证号码 or 统一社会信用代码.
    pub id_number: String,
    /// Mobile phone (verified by code).
    pub phone: String,
}

/// The real-name profile of an applicant account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicantProfile {
    /// The account.
    pub user_id: i64,
    /// Person or organisation.
    pub kind: ApplicantKind,
    /// Name.
    pub name: String,
    /// 居民身份证号码 or 统一社会信用代码.
    pub id_number: String,
    /// Phone.
    pub phone: String,
}

/// An uploaded file's record (the bytes are in the data directory under `sha256`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredFile {
    /// Random id.
    pub id: String,
    /// The uploading account.
    pub owner: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// MIME type detected from the content.
    pub content_type: String,
    /// The name given by the uploader.
    pub name: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A licence to store (issued by a case or imported).
#[derive(Debug, Clone)]
pub struct NewLicense {
    /// Center.
    pub center_id: i64,
    /// The licence.
    pub license: IssuedLicense,
    /// Issuing case.
    pub case_no: Option<String>,
    /// `case` or `import`.
    pub source: String,
}

/// A licence of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct License {
    /// Id.
    pub id: i64,
    /// Center.
    pub center_id: i64,
    /// The licence.
    #[serde(flatten)]
    pub license: IssuedLicense,
    /// Issuing case.
    pub case_no: Option<String>,
    /// `case` or `import`.
    pub source: String,
    /// `valid` or `revoked`.
    pub status: String,
}

impl License {
    /// Whether the licence is valid on `day` (not revoked, not expired).
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.status == "valid" && self.license.expires_on.is_none_or(|e| e >= day)
    }
}

/// Filter of licence lists.
#[derive(Debug, Clone, Default)]
pub struct LicenseFilter {
    /// Center.
    pub center_id: i64,
    /// Holder 身份证号码 or 统一社会信用代码.
    pub holder_id: Option<String>,
    /// Licence type.
    pub type_code: Option<String>,
    /// Page size.
    pub limit: u32,
}
