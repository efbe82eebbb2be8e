//! Alert settings in the dashboard: the same rules as `PUT /api/v1/alerts`.

use frontend::backend::{AlertView, FieldError, Session};

use super::backend::{DashboardBackend, store_error};
use crate::domain::Email;
use crate::store::AlertSettings;

impl DashboardBackend {
    pub(super) async fn alert_view(&self, session: Session) -> Result<AlertView, FieldError> {
        let tenant = Self::tenant(&session);
        let settings = self
            .store
            .tenant(&tenant)
            .alert_settings()
            .await
            .map_err(store_error)?;
        let seconds = settings
            .throttle_seconds
            .unwrap_or(self.settings.alert_throttle.as_secs() as i64);
        Ok(AlertView {
            recipients: settings.recipients,
            kinds: settings.kinds,
            throttle_minutes: (seconds / 60).max(1),
        })
    }

    pub(super) async fn save_alerts(
        &self,
        session: Session,
        view: AlertView,
    ) -> Result<(), FieldError> {
        if view.recipients.len() > 20 {
            return Err(FieldError::on("recipients", "At most 20 recipients."));
        }
        let mut recipients = Vec::new();
        for address in &view.recipients {
            let ok = address.parse::<lettre::Address>().is_ok();
            let email = Email::parse(address).ok().filter(|_| ok).ok_or_else(|| {
                FieldError::on("recipients", format!("{address} is not an email address."))
            })?;
            if !recipients.contains(&email.as_str().to_string()) {
                recipients.push(email.as_str().to_string());
            }
        }
        let kinds: Vec<String> = view
            .kinds
            .into_iter()
            .filter(|k| crate::store::ALERT_KINDS.contains(&k.as_str()))
            .collect();
        if !(1..=10_080).contains(&view.throttle_minutes) {
            return Err(FieldError::on(
                "throttleMinutes",
                "Between 1 minute and 10080 (a week).",
            ));
        }
        let tenant = Self::tenant(&session);
        self.store
            .tenant(&tenant)
            .set_alert_settings(&AlertSettings {
                recipients,
                kinds,
                throttle_seconds: Some(view.throttle_minutes * 60),
            })
            .await
            .map_err(store_error)
    }
}
