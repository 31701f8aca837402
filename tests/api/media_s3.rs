//! The media store on S3-compatible object storage: a real server (moto, from PyPI, which
//! `.ci/run` installs) started by the test, a bucket made on it, and the whole path through
//! it: upload, the original kept in the bucket, a rendition made from it and kept there too.
//! Without `moto_server` on PATH the test skips with a note (CI sets `BYLINE_REQUIRE_TOOLS=1`,
//! which makes that a failure).

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use byline::{
    auth::Role,
    domain::{self, article::HeroImage},
    media::{
        Media, MediaSettings,
        store::{S3Settings, StoreSettings},
    },
};
use reqwest::multipart::{Form, Part};

use crate::helpers::{Backend, article, spawn_app_over};

struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A moto server on a free port, answering; `None` when it cannot be run here.
async fn moto() -> Option<Moto> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let tool = std::env::var("BYLINE_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
    let child = match Command::new(&tool)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if std::env::var("BYLINE_REQUIRE_TOOLS").is_ok_and(|v| v == "1") => {
            panic!("{tool} cannot run ({e}); CI installs moto into its venv (see .ci/run)")
        }
        Err(e) => {
            eprintln!(
                "skipped: {tool} cannot run ({e}); `pip install 'moto[s3]' flask flask-cors`"
            );
            return None;
        }
    };
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = client
            .get(format!("{}/moto-api/", moto.endpoint))
            .send()
            .await
            && r.status().is_success()
        {
            return Some(moto);
        }
        assert!(Instant::now() < deadline, "moto never answered");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn images_go_through_s3_compatible_storage() {
    let Some(moto) = moto().await else {
        return;
    };
    let client = reqwest::Client::new();
    let bucket = "byline-media";
    let made = client
        .put(format!("{}/{bucket}", moto.endpoint))
        .send()
        .await
        .expect("make the bucket");
    assert!(made.status().is_success(), "{}", made.status());
    let settings = MediaSettings {
        store: StoreSettings::S3(S3Settings {
            endpoint: moto.endpoint.clone(),
            bucket: bucket.into(),
            region: "us-east-1".into(),
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
        }),
        ..MediaSettings::local("unused")
    };
    let media = Media::open(settings).expect("the S3 store");
    let app = spawn_app_over(Backend::Sqlite, move |c| c.with_media(media), |_| {})
        .await
        .expect("app");
    app.seed_taxonomy().await;
    let key = app
        .content
        .create_key("desk".into(), Role::Editor)
        .await
        .expect("key")
        .1;
    let pixels = image::RgbImage::from_fn(700, 350, |x, _| image::Rgb([(x % 256) as u8, 90, 160]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(pixels)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let uploaded: serde_json::Value = client
        .post(format!("{}/admin/v1/assets", app.base))
        .bearer_auth(&key)
        .multipart(Form::new().part("file", Part::bytes(png.clone()).file_name("a.png")))
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    let asset = &uploaded["data"];
    let id = asset["id"].as_str().expect("id").to_owned();
    let hash = asset["content_hash"].as_str().expect("hash").to_owned();
    let mut new = article("in-the-bucket", domain::now());
    new.hero_image = Some(HeroImage {
        asset_id: Some(id.clone()),
        url: None,
        alt: None,
        caption: None,
        credit: None,
    });
    app.content
        .create_article(new, None)
        .await
        .expect("article");

    // The original is in the bucket, byte for byte.
    let store = app.content.media().store.clone();
    let original = store
        .get(&format!("originals/{hash}"))
        .await
        .expect("the store answers")
        .expect("the original is there");
    assert_eq!(original.to_vec(), png);
    // A rendition is made from it and kept there.
    let url = asset["renditions"][0]["url"].as_str().expect("url");
    let response = client.get(url).send().await.expect("rendition");
    assert_eq!(response.status().as_u16(), 200);
    let spec = url.rsplit('/').next().expect("spec");
    let fingerprint = url.rsplit('/').nth(1).expect("fingerprint");
    let kept = store
        .get(&format!("renditions/{id}/{fingerprint}/{spec}"))
        .await
        .expect("the store answers");
    assert_eq!(
        kept.map(|b| b.to_vec()),
        Some(response.bytes().await.expect("bytes").to_vec())
    );
}
