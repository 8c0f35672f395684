//! Names of the fields read from documents. Readers, rules, the fixture generator and
//! `docgate eval` all use these, so a field has one name everywhere.

/// 名称 / 销售方名称 / 开户名称 … the company name as printed (licence, letter).
pub const COMPANY_NAME: &str = "company_name";
/// 统一社会信用代码 (licence).
pub const CREDIT_CODE: &str = "credit_code";
/// 注册号, 15 digits (pre-2016 licence).
pub const REGISTRATION_NUMBER: &str = "registration_number";
/// 法定代表人 / 负责人 / 经营者 (licence).
pub const LEGAL_REP_NAME: &str = "legal_rep_name";
/// 营业期限 end: `YYYY-MM-DD`, or `长期`.
pub const TERM_END: &str = "term_end";
/// 成立日期 `YYYY-MM-DD`.
pub const ESTABLISHED: &str = "established";
/// 姓名 (ID front).
pub const ID_NAME: &str = "id_name";
/// 公民身份号码 (ID front).
pub const ID_NUMBER: &str = "id_number";
/// 有效期限 start `YYYY-MM-DD` (ID back).
pub const ID_VALID_FROM: &str = "id_valid_from";
/// 有效期限 end `YYYY-MM-DD` or `长期` (ID back).
pub const ID_VALID_TO: &str = "id_valid_to";
/// 销售方名称 (invoice).
pub const SELLER_NAME: &str = "seller_name";
/// 销售方纳税人识别号 (invoice).
pub const SELLER_TAX_ID: &str = "seller_tax_id";
/// 购买方名称 (invoice).
pub const BUYER_NAME: &str = "buyer_name";
/// 税率 as printed, normalised: `13%`, `9%`, `3%`, `免税`. Several rates joined by `,`.
pub const TAX_RATE: &str = "tax_rate";
/// 开票日期 `YYYY-MM-DD`.
pub const ISSUE_DATE: &str = "issue_date";
/// 发票代码, 10 or 12 digits (paper invoices).
pub const INVOICE_CODE: &str = "invoice_code";
/// 发票号码: 8 digits (paper) or 20 digits (数电票).
pub const INVOICE_NUMBER: &str = "invoice_number";
/// 开户名称 / 存款人名称 (bank permit).
pub const ACCOUNT_NAME: &str = "account_name";
/// 账号 (bank permit).
pub const ACCOUNT_NUMBER: &str = "account_number";

/// Every field name.
pub const ALL: &[&str] = &[
    COMPANY_NAME,
    CREDIT_CODE,
    REGISTRATION_NUMBER,
    LEGAL_REP_NAME,
    TERM_END,
    ESTABLISHED,
    ID_NAME,
    ID_NUMBER,
    ID_VALID_FROM,
    ID_VALID_TO,
    SELLER_NAME,
    SELLER_TAX_ID,
    BUYER_NAME,
    TAX_RATE,
    ISSUE_DATE,
    INVOICE_CODE,
    INVOICE_NUMBER,
    ACCOUNT_NAME,
    ACCOUNT_NUMBER,
];

/// Fields holding personal data (masked in logs).
pub const PERSONAL: &[&str] = &[LEGAL_REP_NAME, ID_NAME, ID_NUMBER, ACCOUNT_NUMBER];
