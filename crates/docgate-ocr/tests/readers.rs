//! Reader logic with the fake engine (no Tesseract): label found → crop → field; repair
//! applied and recorded; unreadable → no field; PDF text layer → fields without OCR.

use docgate_core::{fields as f, DocumentKind};
use docgate_ocr::{read_document, FakeOcr};
use image::RgbImage;

fn page() -> RgbImage {
    RgbImage::from_pixel(1200, 800, image::Rgb([255, 255, 255]))
}

fn license(code: &str) -> FakeOcr {
    FakeOcr::default()
        .with("统一社会信用代码", [100, 60, 160, 20])
        .with(code, [100, 100, 400, 26])
        .with("名称", [100, 200, 80, 20])
        .with("杭州示例科技有限公司", [300, 200, 300, 20])
        .with("法定代表人", [100, 260, 100, 20])
        .with("张三", [300, 260, 60, 20])
        .with("营业期限", [700, 320, 80, 20])
        .with("2012年10月26日至长期", [900, 320, 250, 20])
        .with("成立日期", [700, 380, 80, 20])
        .with("2012年10月26日", [900, 380, 200, 20])
}

#[test]
fn licence_fields_from_labels() {
    let ocr = license("91350100M000100Y43");
    let got = read_document(
        &ocr,
        DocumentKind::BusinessLicense,
        Some(&page()),
        None,
        None,
    );
    let v = |k: &str| got.get(k).map(|x| x.value.clone());
    assert_eq!(v(f::CREDIT_CODE).as_deref(), Some("91350100M000100Y43"));
    assert_eq!(v(f::COMPANY_NAME).as_deref(), Some("杭州示例科技有限公司"));
    assert_eq!(v(f::LEGAL_REP_NAME).as_deref(), Some("张三"));
    assert_eq!(v(f::TERM_END).as_deref(), Some("长期"));
    assert_eq!(v(f::ESTABLISHED).as_deref(), Some("2012-10-26"));
    assert!(got[f::CREDIT_CODE].repaired_from.is_none());
    assert!(got[f::CREDIT_CODE].region.is_some());
}

#[test]
fn a_misread_code_is_repaired_and_the_raw_reading_kept() {
    // 1 read as D: only one substitution validates.
    let ocr = license("913501D0M000100Y43");
    let got = read_document(
        &ocr,
        DocumentKind::BusinessLicense,
        Some(&page()),
        None,
        None,
    );
    let code = &got[f::CREDIT_CODE];
    assert_eq!(code.value, "91350100M000100Y43");
    assert_eq!(code.repaired_from.as_deref(), Some("913501D0M000100Y43"));
}

#[test]
fn unreadable_means_absent_never_an_error() {
    let mut ocr = license("91350100M000100Y43");
    ocr.fail_reads = true;
    let got = read_document(
        &ocr,
        DocumentKind::BusinessLicense,
        Some(&page()),
        None,
        None,
    );
    assert!(got.is_empty());
    // No label on the page: no field either.
    let ocr = FakeOcr::default().with("随便写的字", [100, 100, 200, 20]);
    let got = read_document(&ocr, DocumentKind::IdCardFront, Some(&page()), None, None);
    assert!(got.is_empty());
}

#[test]
fn id_card_both_sides() {
    let ocr = FakeOcr::default()
        .with("姓名", [100, 100, 60, 24])
        .with("谭鑫娟", [250, 100, 90, 24])
        .with("公民身份号码", [100, 600, 150, 24])
        .with("420106198105275720", [400, 600, 400, 30]);
    let got = read_document(&ocr, DocumentKind::IdCardFront, Some(&page()), None, None);
    assert_eq!(got[f::ID_NAME].value, "谭鑫娟");
    assert_eq!(got[f::ID_NUMBER].value, "420106198105275720");
    let ocr = FakeOcr::default()
        .with("有效期限", [100, 600, 100, 24])
        .with("2015.06.28-长期", [300, 600, 300, 24]);
    let got = read_document(&ocr, DocumentKind::IdCardBack, Some(&page()), None, None);
    assert_eq!(got[f::ID_VALID_FROM].value, "2015-06-28");
    assert_eq!(got[f::ID_VALID_TO].value, "长期");
}

#[test]
fn bank_permit_sentence_and_account() {
    let ocr = FakeOcr::default()
        .with("经审核，", [100, 200, 80, 24])
        .with("厦门市禾鑫科技商行符合开户条件", [190, 200, 500, 24])
        .with("账号", [100, 300, 60, 24])
        .with("3096350921597575", [220, 300, 300, 24]);
    let got = read_document(&ocr, DocumentKind::BankPermit, Some(&page()), None, None);
    assert_eq!(got[f::ACCOUNT_NAME].value, "厦门市禾鑫科技商行");
    assert_eq!(got[f::ACCOUNT_NUMBER].value, "3096350921597575");
}

#[test]
fn another_label_read_exactly_is_not_a_slip_of_the_account_label() {
    // 编号 and 张号 both read one character off 账号; 编号 is a label of its own (the
    // permit's serial number), so the account number is the one after 张号.
    let ocr = FakeOcr::default()
        .with("编号:", [700, 100, 50, 24])
        .with("4301-08319017", [760, 100, 200, 24])
        .with("张号", [100, 300, 60, 24])
        .with("7789209488854052", [220, 300, 300, 24]);
    let got = read_document(&ocr, DocumentKind::BankPermit, Some(&page()), None, None);
    assert_eq!(got[f::ACCOUNT_NUMBER].value, "7789209488854052");
}

#[test]
fn every_character_of_a_value_carries_its_confidence() {
    let ocr = license("91350100M000100Y43");
    let got = read_document(
        &ocr,
        DocumentKind::BusinessLicense,
        Some(&page()),
        None,
        None,
    );
    let name = &got[f::COMPANY_NAME];
    assert_eq!(name.char_confidence.len(), name.value.chars().count());
    assert!(name.char_confidence.iter().all(|c| (c - 0.95).abs() < 1e-6));
}

#[test]
fn pdf_text_layer_needs_no_ocr() {
    let text = "电子发票（增值税专用发票）\n发票号码： 26583745018873150140\n开票日期： 2026年09月27日\n\
                购买方信息\n销售方信息\n名称： 东莞德祥晟食品有限公司\n名称： 北京蓝朗蓝食品股份有限公司\n\
                统一社会信用代码/纳税人识别号：91441900MAPN6ALH6G\n统一社会信用代码/纳税人识别号：91350100M000100Y43\n\
                项目名称 税率/征收率\n*电子元件*连接器 6%\n*纸制品* 6%\n合计 ¥1";
    let ocr = FakeOcr::default();
    let got = read_document(&ocr, DocumentKind::VatInvoice, None, None, Some(text));
    assert_eq!(ocr.reads(), 0);
    assert_eq!(got[f::SELLER_NAME].value, "北京蓝朗蓝食品股份有限公司");
    assert_eq!(got[f::BUYER_NAME].value, "东莞德祥晟食品有限公司");
    assert_eq!(got[f::SELLER_TAX_ID].value, "91350100M000100Y43");
    assert_eq!(got[f::ISSUE_DATE].value, "2026-09-27");
    assert_eq!(got[f::TAX_RATE].value, "6%");
    assert_eq!(got[f::INVOICE_NUMBER].value, "26583745018873150140");
}
