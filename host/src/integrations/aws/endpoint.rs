//! Where a call to an AWS service goes, as an AWS SDK decides it: an endpoint configured for
//! the service (`serve --aws-endpoint SERVICE=URL`, else `AWS_ENDPOINT_URL_<SERVICE>`), else the
//! one configured for every service (`AWS_ENDPOINT_URL`), else AWS's own: the service's global
//! endpoint where it has one (IAM, Route 53), otherwise `https://PREFIX.REGION.amazonaws.com`.

use std::collections::BTreeMap;

use stepwise_aws::Service;

/// The endpoints configured by the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// By service: the key is the name in `aws-sdk:NAME:action` (`dynamodb`), or the SDKs'
    /// environment form of the service id (`DYNAMODB`, `CLOUDWATCH_LOGS`).
    pub services: BTreeMap<String, String>,
    /// For every other service (`AWS_ENDPOINT_URL`).
    pub default: Option<String>,
}

/// Where to send one call, and whom to sign it for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `https://dynamodb.us-east-1.amazonaws.com` or the configured URL, without a trailing `/`.
    pub base: String,
    /// The region the signature is scoped to.
    pub signing_region: String,
    /// Whether the endpoint is AWS's own (the operation's `hostPrefix` applies there only: a
    /// loopback test endpoint cannot take `data.` in front of `127.0.0.1`).
    pub aws_owned: bool,
}

impl Endpoints {
    /// Reads `AWS_ENDPOINT_URL` and every `AWS_ENDPOINT_URL_<SERVICE>` from `vars`, then lets
    /// `flags` (`SERVICE=URL`, as `serve --aws-endpoint` takes them) override them.
    pub fn from_env_and_flags(
        vars: impl IntoIterator<Item = (String, String)>,
        flags: &[String],
    ) -> Result<Endpoints, String> {
        let mut endpoints = Endpoints::default();
        for (name, value) in vars {
            if value.is_empty() {
                continue;
            }
            if name == "AWS_ENDPOINT_URL" {
                endpoints.default = Some(trimmed(&value));
            } else if let Some(service) = name.strip_prefix("AWS_ENDPOINT_URL_") {
                endpoints
                    .services
                    .insert(service.to_owned(), trimmed(&value));
            }
        }
        for flag in flags {
            let (service, url) = flag
                .split_once('=')
                .filter(|(s, u)| !s.is_empty() && (u.starts_with("http://") || u.starts_with("https://")))
                .ok_or_else(|| {
                    format!("--aws-endpoint takes SERVICE=URL with an http:// or https:// URL, not '{flag}'")
                })?;
            endpoints.services.insert(service.to_owned(), trimmed(url));
        }
        Ok(endpoints)
    }

    /// Where a call to `service` in `region` goes.
    pub fn resolve(&self, service: &Service, region: &str) -> Target {
        let env_key = env_key(&service.model.metadata.service_id);
        let configured = self
            .services
            .get(&service.name)
            .or_else(|| self.services.get(&env_key))
            .or(self.default.as_ref());
        if let Some(base) = configured {
            return Target {
                base: base.clone(),
                signing_region: region.to_owned(),
                aws_owned: false,
            };
        }
        if let Some((host, signing_region)) = &service.global_endpoint {
            return Target {
                base: format!("https://{host}"),
                signing_region: signing_region.clone(),
                aws_owned: true,
            };
        }
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        Target {
            base: format!(
                "https://{}.{region}.{suffix}",
                service.model.metadata.endpoint_prefix
            ),
            signing_region: region.to_owned(),
            aws_owned: true,
        }
    }
}

/// The SDKs' environment form of a service id: upper case, spaces as `_` (`CloudWatch Logs`
/// → `CLOUDWATCH_LOGS`).
pub fn env_key(service_id: &str) -> String {
    service_id.trim().replace([' ', '-'], "_").to_uppercase()
}

fn trimmed(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests;
