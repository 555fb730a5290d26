//! A browser for the console tests, as small as they need: a cookie jar, GET and POST over
//! real HTTP to the service on 127.0.0.1, the CSRF field of a page, and signing in by a
//! one-time link (the same form a person posts).

#![allow(dead_code)]

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use sigap::service::Helpdesk;

#[derive(Default, Clone)]
pub struct Jar(Vec<(String, String)>);

impl Jar {
    pub fn header(&self) -> String {
        self.0.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (name, rest) = text.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap().to_owned();
            self.0.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.0.push((name.to_owned(), value));
            }
        }
    }
}

/// The value of the first form's CSRF field.
pub fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("a form with a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub jar: Jar,
}

impl Browser {
    pub fn new(addr: std::net::SocketAddr) -> Browser {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { base: format!("http://{addr}"), http, jar: Jar::default() }
    }

    pub async fn get_raw(&mut self, path: &str) -> reqwest::Response {
        let response = self.http.get(format!("{}{path}", self.base)).header(COOKIE, self.jar.header()).send().await;
        let response = response.unwrap();
        self.jar.take(&response);
        response
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let response = self.get_raw(path).await;
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.jar.header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.jar.take(&response);
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// Sign in as `person` through a one-time link, as `sigap staff login-link` gives one.
    pub async fn sign_in(desk: &Helpdesk, addr: std::net::SocketAddr, person: i64) -> Browser {
        let secret = desk.sign_in_link(person).await.unwrap();
        let mut browser = Browser::new(addr);
        let path = format!("/masuk/tautan/{secret}");
        let (status, html) = browser.get(&path).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = browser.post(&path, &[("csrf", &csrf_of(&html))]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "signed in");
        browser
    }

    /// A signed-in page's CSRF token.
    pub async fn csrf(&mut self) -> String {
        let (_, html) = self.get("/dasbor").await;
        csrf_of(&html)
    }
}
