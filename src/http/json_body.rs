//! JSON request bodies, which are always objects. serde's derived `Deserialize` also reads a
//! struct from an array of its fields in order (`[null, null]` as an embargo body), a shape
//! no schema of Byline's allows, so bodies are read as a JSON object first (actix's `Json`,
//! with its size limit and problem answers) and then as their type.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::AppError;

/// A request body that is a JSON object read as `T`.
pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// `T` from a JSON object's members; a wrong member is a 400 naming the body, as actix's
/// own JSON errors are.
pub fn from_object<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, AppError> {
    serde_json::from_value(Value::Object(object))
        .map_err(|e| AppError::invalid_parameter("body", format!("invalid JSON body: {e}")))
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let object = web::Json::<Map<String, Value>>::from_request(req, payload);
        Box::pin(async move {
            let object = object.await?.into_inner();
            Ok(JsonObject(from_object(object)?))
        })
    }
}
