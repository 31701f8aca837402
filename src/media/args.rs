//! `byline serve`'s media flags.

use super::{MediaSettings, decode::DecodeLimits, store};

#[derive(Debug, Clone, clap::Args)]
pub struct MediaArgs {
    /// Folder for uploaded images and their renditions (the default store).
    #[arg(long, env = "BYLINE_MEDIA_DIR", default_value = "./data/media")]
    pub media_dir: std::path::PathBuf,
    /// An S3-compatible endpoint for images instead of the folder (e.g.
    /// `https://s3.eu-west-1.amazonaws.com`), so several instances share them; with
    /// --media-s3-bucket and the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables.
    #[arg(long, env = "BYLINE_MEDIA_S3_ENDPOINT", requires = "media_s3_bucket")]
    pub media_s3_endpoint: Option<String>,
    #[arg(long, env = "BYLINE_MEDIA_S3_BUCKET")]
    pub media_s3_bucket: Option<String>,
    #[arg(long, env = "BYLINE_MEDIA_S3_REGION", default_value = "us-east-1")]
    pub media_s3_region: String,
    #[arg(
        long,
        env = "AWS_ACCESS_KEY_ID",
        default_value = "",
        hide_env_values = true
    )]
    pub media_s3_access_key_id: String,
    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub media_s3_secret_access_key: String,
    /// Rendition widths made without a signature and listed in article reads.
    #[arg(long, env = "BYLINE_MEDIA_WIDTHS", value_delimiter = ',', default_values_t = super::DEFAULT_WIDTHS, value_parser = clap::value_parser!(u32).range(16..=4096))]
    pub media_widths: Vec<u32>,
    /// The largest upload accepted, in megabytes.
    #[arg(long, env = "BYLINE_MEDIA_MAX_UPLOAD_MB", default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=500))]
    pub media_max_upload_mb: u64,
    /// The most pixels (width × height, in millions) an upload may decode to: larger
    /// images, decompression bombs among them, are refused with 413.
    #[arg(long, env = "BYLINE_MEDIA_MAX_MEGAPIXELS", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=400))]
    pub media_max_megapixels: u64,
    /// Renditions made at once; more wait briefly, then get 503 with Retry-After.
    #[arg(long, env = "BYLINE_MEDIA_CONCURRENCY", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub media_concurrency: u32,
    /// An external resizer's URL template (imgproxy, Thumbor, or any other) for the rendition
    /// URLs that reads list, in place of Byline's own `/media/…` ones. Placeholders:
    /// {signature} {key} (the original's key in the media store) {asset} {width} {height}
    /// {focal_x} {focal_y} (0 to 1) {format} (jpg). E.g.
    /// `https://img.example.com/{signature}/rs:fill:{width}:{height}:0/g:fp:{focal_x}:{focal_y}/plain/s3://news/{key}@{format}`
    #[arg(long, env = "BYLINE_MEDIA_RESIZER_URL")]
    pub media_resizer_url: Option<String>,
    /// How the external resizer's URLs are signed.
    #[arg(
        long,
        env = "BYLINE_MEDIA_RESIZER_SIGNING",
        value_enum,
        default_value = "imgproxy"
    )]
    pub media_resizer_signing: super::resizer::Signing,
    /// The resizer's signing key (imgproxy: hex; Thumbor: its security key).
    #[arg(
        long,
        env = "BYLINE_MEDIA_RESIZER_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub media_resizer_key: String,
    /// imgproxy's salt (hex).
    #[arg(
        long,
        env = "BYLINE_MEDIA_RESIZER_SALT",
        default_value = "",
        hide_env_values = true
    )]
    pub media_resizer_salt: String,
}

impl MediaArgs {
    /// The settings these flags give; an error names the flag at fault.
    pub fn settings(&self) -> Result<MediaSettings, String> {
        let store = match (&self.media_s3_endpoint, &self.media_s3_bucket) {
            (Some(endpoint), Some(bucket)) => store::StoreSettings::S3(store::S3Settings {
                endpoint: endpoint.clone(),
                bucket: bucket.clone(),
                region: self.media_s3_region.clone(),
                access_key_id: self.media_s3_access_key_id.clone(),
                secret_access_key: self.media_s3_secret_access_key.clone(),
            }),
            _ => store::StoreSettings::Local(self.media_dir.clone()),
        };
        let mut widths = self.media_widths.clone();
        widths.sort_unstable();
        widths.dedup();
        let resizer = match self.media_resizer_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(template) => Some(
                super::resizer::ExternalResizer::new(
                    template,
                    self.media_resizer_signing,
                    &self.media_resizer_key,
                    &self.media_resizer_salt,
                )
                .map_err(|why| format!("--media-resizer-url: {why}"))?,
            ),
        };
        Ok(MediaSettings {
            store,
            widths,
            max_upload_bytes: (self.media_max_upload_mb * 1024 * 1024) as usize,
            decode: DecodeLimits {
                max_pixels: self.media_max_megapixels * 1_000_000,
                ..DecodeLimits::default()
            },
            concurrency: self.media_concurrency,
            resizer,
        })
    }
}
