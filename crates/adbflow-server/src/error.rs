//! API errors in the Databricks REST error shape `{"error_code", "message"}` with the status the
//! real service pairs with each code (databricks-net-facts §6).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub error_code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error_code: "INVALID_PARAMETER_VALUE",
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            error_code: "RESOURCE_DOES_NOT_EXIST",
            message: message.into(),
        }
    }

    pub fn invalid_state(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, error_code: "INVALID_STATE", message: message.into() }
    }

    pub fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::UNAUTHORIZED, error_code: "UNAUTHENTICATED", message: message.into() }
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error_code: "INVALID_PARAMETER_VALUE",
            message: format!("request body is larger than {limit} bytes"),
        }
    }

    pub fn endpoint_not_found(path: &str) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            error_code: "ENDPOINT_NOT_FOUND",
            message: format!("No API found for '{path}'"),
        }
    }

    /// A request from an address the workspace's IP access lists refuse. The real service answers
    /// with a numeric `error_code` 403 here, unlike its other errors; the emulator does the same.
    pub fn ip_blocked(ip: std::net::IpAddr, workspace: &str) -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            error_code: "403",
            message: format!(
                "Source IP address: {ip} is blocked by Databricks IP ACL for workspace: {workspace}"
            ),
        }
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error_code: "INTERNAL_ERROR",
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = match self.error_code.parse::<u16>() {
            Ok(n) => serde_json::json!(n),
            Err(_) => serde_json::json!(self.error_code),
        };
        let body = serde_json::json!({ "error_code": code, "message": self.message });
        (self.status, Json(body)).into_response()
    }
}
