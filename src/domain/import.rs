//! Bulk provisioning: many members from CSV or a JSON array, validated row by row.
//!
//! The import is all or nothing: every row is checked first and every bad row is reported (with its
//! 1-based row number); only when all rows are good is the batch written, in one transaction.

use super::member::{MemberFields, NewMember};
use std::collections::HashSet;

/// One rejected row of an import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RowError {
    /// 1-based data row number (the CSV header is row 0).
    pub row: usize,
    /// The rejected field, or `row` when the row itself did not parse.
    pub field: String,
    /// Stable code, e.g. `invalid_phone` or `duplicate_employee_id`.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// Parses a CSV document with a header line naming `display_name`, `employee_id` and optionally
/// `title`, `mobile`, `phone_discoverable`, `email`.
///
/// # Errors
/// Every bad row.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<NewMember>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let rows = reader
        .deserialize::<MemberFields>()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect::<Vec<_>>();
    validate(rows)
}

/// Parses a JSON array of member objects.
///
/// # Errors
/// Every bad row; a document that is not an array of objects is reported as row 0.
pub fn parse_json(bytes: &[u8]) -> Result<Vec<NewMember>, Vec<RowError>> {
    let values: Vec<serde_json::Value> = serde_json::from_slice(bytes).map_err(|e| {
        vec![RowError {
            row: 0,
            field: "body".into(),
            code: "malformed_json".into(),
            message: e.to_string(),
        }]
    })?;
    let rows = values
        .into_iter()
        .map(|v| serde_json::from_value::<MemberFields>(v).map_err(|e| e.to_string()))
        .collect();
    validate(rows)
}

fn validate(rows: Vec<Result<MemberFields, String>>) -> Result<Vec<NewMember>, Vec<RowError>> {
    let mut good = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, row) in rows.into_iter().enumerate() {
        let row_no = i + 1;
        let parsed = row
            .map_err(|message| RowError {
                row: row_no,
                field: "row".into(),
                code: "invalid_row".into(),
                message,
            })
            .and_then(|fields| {
                NewMember::parse(&fields).map_err(|e| RowError {
                    row: row_no,
                    field: e.field.into(),
                    code: e.code.into(),
                    message: e.message,
                })
            });
        match parsed {
            Ok(m) if !seen.insert(m.employee_id.as_str().to_owned()) => errors.push(RowError {
                row: row_no,
                field: "employee_id".into(),
                code: "duplicate_employee_id".into(),
                message: format!(
                    "employee id {} appears earlier in this import",
                    m.employee_id.as_str()
                ),
            }),
            Ok(m) => good.push(m),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(good)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_import_reports_every_bad_row_by_number() {
        let csv = "display_name,employee_id,title,mobile\nAda,E1,,+8613800138000\nBob,E2,,12345\nCy,E1,,\n";
        let errors = parse_csv(csv.as_bytes()).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| (e.row, e.code.as_str())).collect();
        assert_eq!(codes, [(2, "invalid_phone"), (3, "duplicate_employee_id")]);
    }

    #[test]
    fn json_import_accepts_an_array_of_members() {
        let json = r#"[{"display_name":"王小明","employee_id":"E1"},{"display_name":"Ada","employee_id":"E2","phone_discoverable":true}]"#;
        let members = parse_json(json.as_bytes()).unwrap();
        assert_eq!(members.len(), 2);
        assert!(members[1].phone_discoverable);
    }
}
