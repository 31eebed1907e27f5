//! The embedded Pack Manifest v1 schema and its compiled validator.

use std::sync::OnceLock;

/// The schema file, checked in at `schemas/pack-manifest-v1.schema.json`.
pub(crate) const SCHEMA_TEXT: &str = include_str!("../../schemas/pack-manifest-v1.schema.json");

/// The compiled validator. The schema is part of the binary and covered by tests, so a
/// failure to compile it is a build defect, reported as such rather than unwrapped.
pub(crate) fn validator() -> Result<&'static jsonschema::Validator, String> {
    static V: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    V.get_or_init(|| {
        let schema: serde_json::Value =
            serde_json::from_str(SCHEMA_TEXT).map_err(|e| format!("embedded schema: {e}"))?;
        jsonschema::draft202012::new(&schema).map_err(|e| format!("embedded schema: {e}"))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// `Diagnostic::rule` is `&'static str`; keywords the schema uses get a stable id.
pub(crate) fn rule_for_keyword(keyword: &str) -> &'static str {
    match keyword {
        "required" => "schema.required",
        "additionalProperties" => "schema.unknown-property",
        "type" => "schema.type",
        "const" => "schema.const",
        "enum" => "schema.enum",
        "pattern" => "schema.pattern",
        "minItems" | "maxItems" => "schema.step-count",
        "minLength" => "schema.min-length",
        "minimum" | "maximum" => "schema.range",
        "anyOf" => "schema.any-of",
        "uniqueItems" => "schema.unique-items",
        "dependentRequired" => "schema.dependent-required",
        _ => "schema",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_schema_compiles() {
        assert!(super::validator().is_ok());
    }
}
