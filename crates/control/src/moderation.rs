//! `roomcast.v1.ModerationAdminService`: per-app word lists and the audit log.

use crate::error::ControlError;
use roomcast_core::apps::Apps;
use roomcast_moderation::service::Lists;
use roomcast_moderation::{Category, ListChange, Term};
use roomcast_proto::v1 as pb;
use roomcast_proto::v1::moderation_admin_service_server::{ModerationAdminService, ModerationAdminServiceServer};
use tonic::{Request, Response, Status};

#[derive(Clone)]
pub struct ModerationService {
    apps: Apps,
    lists: Lists,
}

impl ModerationService {
    pub fn new(apps: Apps, lists: Lists) -> Self {
        Self { apps, lists }
    }

    pub fn into_server(self) -> ModerationAdminServiceServer<Self> {
        ModerationAdminServiceServer::new(self)
    }
}

fn category(s: &str) -> Result<Category, ControlError> {
    Category::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
        ControlError::InvalidArgument(format!("unknown category {s:?} (porn, politics, abuse, ads, custom)"))
    })
}

/// An optional category filter: empty means every category.
fn category_filter(s: &str) -> Result<Option<Category>, ControlError> {
    if s.is_empty() { Ok(None) } else { category(s).map(Some) }
}

fn terms(list: Vec<pb::Term>) -> Result<Vec<Term>, ControlError> {
    list.into_iter()
        .map(|t| Ok(Term::new(category(&t.category)?, t.text)))
        .collect()
}

fn report(r: roomcast_moderation::ChangeReport) -> pb::ChangeTermsResponse {
    pb::ChangeTermsResponse {
        added: r.added as u32,
        removed: r.removed as u32,
        skipped: r.skipped as u32,
        terms: r.terms as u32,
        allow: r.allow as u32,
    }
}

type Rpc<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl ModerationAdminService for ModerationService {
    async fn change_terms(&self, req: Request<pb::ChangeTermsRequest>) -> Rpc<pb::ChangeTermsResponse> {
        let app = crate::auth::authorize(&self.apps, &req)?;
        let r = req.into_inner();
        let (terms, allow) = (terms(r.terms)?, r.allow);
        let change = match pb::ChangeOp::try_from(r.op) {
            Ok(pb::ChangeOp::Add) => ListChange::Add { terms, allow },
            Ok(pb::ChangeOp::Remove) => ListChange::Remove { terms, allow },
            Ok(pb::ChangeOp::Replace) => ListChange::Replace { terms, allow },
            _ => return Err(ControlError::InvalidArgument("op must be ADD, REMOVE or REPLACE".into()).into()),
        };
        let done = self.lists.change(app, change).await.map_err(ControlError::from)?;
        Ok(Response::new(report(done)))
    }

    async fn import_terms(&self, req: Request<pb::ImportTermsRequest>) -> Rpc<pb::ImportTermsResponse> {
        let app = crate::auth::authorize(&self.apps, &req)?;
        let r = req.into_inner();
        let cat = category(&r.category)?;
        let terms: Vec<Term> = r
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| Term::new(cat, l))
            .collect();
        let change = if r.replace {
            ListChange::Replace { terms, allow: vec![] }
        } else {
            ListChange::Add { terms, allow: vec![] }
        };
        let done = self.lists.change(app, change).await.map_err(ControlError::from)?;
        let r = report(done);
        Ok(Response::new(pb::ImportTermsResponse {
            added: r.added,
            removed: r.removed,
            skipped: r.skipped,
            terms: r.terms,
            allow: r.allow,
        }))
    }

    async fn list_terms(&self, req: Request<pb::ListTermsRequest>) -> Rpc<pb::ListTermsResponse> {
        let app = crate::auth::authorize(&self.apps, &req)?;
        let r = req.into_inner();
        let filter = category_filter(&r.category)?;
        let offset: usize = if r.cursor.is_empty() {
            0
        } else {
            r.cursor
                .parse()
                .map_err(|_| ControlError::InvalidArgument("malformed cursor".into()))?
        };
        let limit = match r.limit {
            0 => 1000,
            n => (n as usize).min(10_000),
        };
        let mut list = self.lists.word_list(app).await.map_err(ControlError::from)?;
        list.terms.sort();
        let matching: Vec<&Term> = list
            .terms
            .iter()
            .filter(|t| filter.is_none_or(|c| t.category == c))
            .collect();
        let page: Vec<pb::Term> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|t| pb::Term {
                category: t.category.as_str().to_string(),
                text: t.text.clone(),
            })
            .collect();
        let next = offset + page.len();
        Ok(Response::new(pb::ListTermsResponse {
            allow: if offset == 0 { list.allow.clone() } else { vec![] },
            next_cursor: if next < matching.len() {
                next.to_string()
            } else {
                String::new()
            },
            total: matching.len() as u32,
            terms: page,
        }))
    }

    async fn query_audit(&self, req: Request<pb::QueryAuditRequest>) -> Rpc<pb::QueryAuditResponse> {
        let app = crate::auth::authorize(&self.apps, &req)?;
        let r = req.into_inner();
        let filter = category_filter(&r.category)?;
        let limit = match r.limit {
            0 => 100,
            n => (n as usize).min(1000),
        };
        let records = self.lists.store().audit(app).await.map_err(ControlError::from)?;
        let entries = records
            .into_iter()
            .filter(|a| r.room_id.is_empty() || a.room.as_deref() == Some(r.room_id.as_str()))
            .filter(|a| r.user_id.is_empty() || a.user.as_deref() == Some(r.user_id.as_str()))
            .filter(|a| filter.is_none_or(|c| a.category == c))
            .filter(|a| a.time_ms as i64 >= r.since_ms)
            .take(limit)
            .map(|a| pb::AuditEntry {
                time_ms: a.time_ms as i64,
                room_id: a.room.unwrap_or_default(),
                user_id: a.user.unwrap_or_default(),
                category: a.category.as_str().to_string(),
                term: a.term,
                action: a.action.as_str().to_string(),
            })
            .collect();
        Ok(Response::new(pb::QueryAuditResponse { entries }))
    }
}
