//! JSON encoding, by the browser's own parser in wasm builds.
//!
//! In the browser, `JSON.parse`/`JSON.stringify` plus `serde-wasm-bindgen` replace `serde_json`:
//! the browser already ships a JSON parser, so the wasm binary need not carry a second one.
//! Native builds (the unit tests) use `serde_json`. Both honour the same serde attributes.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Parses `text` as JSON into `T`.
#[cfg(not(target_arch = "wasm32"))]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Encodes `value` as JSON text.
#[cfg(not(target_arch = "wasm32"))]
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

/// Parses `text` as JSON into `T`.
#[cfg(target_arch = "wasm32")]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "the text is not JSON".to_owned())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// Encodes `value` as JSON text.
#[cfg(target_arch = "wasm32")]
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| e.to_string())?;
    js_sys::JSON::stringify(&value)
        .map(String::from)
        .map_err(|_| "the value cannot be encoded as JSON".to_owned())
}

#[cfg(test)]
#[cfg(target_arch = "wasm32")]
mod browser_tests {
    use serde::Deserialize;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        name: String,
        count: i64,
        missing: Option<String>,
        list: Vec<String>,
    }

    #[wasm_bindgen_test]
    fn browser_json_round_trips_structs() {
        let sample = Sample {
            name: "a\"b".into(),
            count: 1_700_000_000,
            missing: None,
            list: vec!["x".into()],
        };
        let text = to_string(&sample).unwrap();
        assert_eq!(from_str::<Sample>(&text).unwrap(), sample);
    }

    #[wasm_bindgen_test]
    fn non_json_text_is_an_error() {
        assert!(from_str::<Sample>("<html>").is_err());
        assert!(from_str::<Sample>(r#"{"name":1}"#).is_err());
    }
}
