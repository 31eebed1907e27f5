//! A small OpenAI-compatible HTTP server for the end-to-end tests (std only).
//!
//! It listens on `127.0.0.1:0`, serves one request per connection (every response says
//! `Connection: close`, so a client never reuses a socket the server has dropped) and
//! answers what `oracle` 0.21.2 sends with `--engine api --base-url <url>`:
//! `POST /v1/chat/completions` with `"stream": true` (server-sent events, HTTP chunked).
//! It also answers non-streaming chat completions and `GET /v1/models`; any other path is
//! recorded in [`LlmServer::unknown_paths`], logged to stderr and answered 404.
//!
//! Behaviour is programmable with [`Rule`]s (first matching rule with uses left wins;
//! without one the deterministic [`default_answer`] is streamed):
//!
//! ```ignore
//! let server = LlmServer::start();
//! server.push_rule(Rule::matching("#03").times(5).respond(Behavior::Status(503)));
//! ```

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What the server does with a chat-completion request.
#[derive(Debug, Clone, PartialEq)]
pub enum Behavior {
    /// Stream [`default_answer`] of the prompt (what happens when no rule matches).
    Default,
    /// Stream this text (in a few chunks), then the usage chunk and `[DONE]`.
    Answer { text: String },
    /// Wait, then stream the default answer.
    Delay(Duration),
    /// Answer with this HTTP status and an OpenAI-style error body
    /// `{"error":{"message","type","code"}}` (see [`error_body`]).
    Status(u16),
    /// Answer with this HTTP status and this JSON body (e.g. a 429 for exhausted quota).
    StatusWith { code: u16, body: Value },
    /// Read the request and never answer (until the client or the server goes away).
    Hang,
    /// Send the headers and two content chunks, then close the socket: no finish chunk,
    /// no `[DONE]`, no terminating HTTP chunk.
    CloseEarly,
    /// A well-formed stream without any content: a finish chunk, then `[DONE]`.
    Empty,
    /// Read the request and close the socket without sending anything.
    Disconnect,
    /// Send one chunk, then half a server-sent event (`data: {"id":"c`), then close.
    CloseMidEvent,
    /// Send the headers and one chunk, then stay silent for the duration, then close.
    Stall(Duration),
}

impl Behavior {
    pub fn answer(text: impl Into<String>) -> Behavior {
        Behavior::Answer { text: text.into() }
    }

    fn name(&self) -> &'static str {
        match self {
            Behavior::Default => "default",
            Behavior::Answer { .. } => "answer",
            Behavior::Delay(_) => "delay",
            Behavior::Status(_) => "status",
            Behavior::StatusWith { .. } => "status-with",
            Behavior::Hang => "hang",
            Behavior::CloseEarly => "close-early",
            Behavior::Empty => "empty",
            Behavior::Disconnect => "disconnect",
            Behavior::CloseMidEvent => "close-mid-event",
            Behavior::Stall(_) => "stall",
        }
    }
}

/// One programmable response: matches a substring of the prompt (or every request),
/// a number of times (unlimited unless [`Rule::times`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    needle: Option<String>,
    remaining: Option<usize>,
    behavior: Behavior,
}

impl Rule {
    /// Matches requests whose prompt (the concatenated user messages) contains `needle`.
    pub fn matching(needle: &str) -> Rule {
        Rule {
            needle: Some(needle.to_string()),
            remaining: None,
            behavior: Behavior::Default,
        }
    }

    /// Matches every chat-completion request.
    pub fn any() -> Rule {
        Rule {
            needle: None,
            remaining: None,
            behavior: Behavior::Default,
        }
    }

    /// Applies to the next `n` matching requests only.
    pub fn times(mut self, n: usize) -> Rule {
        self.remaining = Some(n);
        self
    }

    pub fn respond(mut self, behavior: Behavior) -> Rule {
        self.behavior = behavior;
        self
    }

    fn matches(&self, prompt: &str) -> bool {
        self.remaining != Some(0) && self.needle.as_deref().is_none_or(|n| prompt.contains(n))
    }
}

/// Whether streamed answers carry a `usage` object in their finish chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageMode {
    /// Always (the default: oracle 0.21.2 never sends `stream_options`, but it reads usage
    /// from any chunk that has it, and the tests want real token counts).
    Always,
    /// Only when the request has `"stream_options": {"include_usage": true}` (what
    /// api.openai.com does); then usage comes in an extra chunk with empty `choices`.
    WhenAsked,
}

/// A request the server received.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    /// The path with its query, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The parsed JSON body (`Value::Null` when there was none or it did not parse).
    pub body: Value,
    /// The text of every user message, joined with blank lines.
    pub prompt: String,
    /// What the server did with it.
    pub behavior: Behavior,
    /// `(prompt_tokens, completion_tokens)` when a usage object was sent.
    pub usage: Option<(u64, u64)>,
    /// Time since the server started.
    pub at: Duration,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The OpenAI SDK's `x-stainless-retry-count` (0 for a first attempt).
    pub fn retry_count(&self) -> Option<u32> {
        self.header("x-stainless-retry-count")?.parse().ok()
    }
}

struct State {
    started: Instant,
    rules: Mutex<Vec<Rule>>,
    requests: Mutex<Vec<Request>>,
    unknown: Mutex<Vec<String>>,
    conns: Mutex<Vec<TcpStream>>,
    usage_mode: Mutex<UsageMode>,
    shutdown: AtomicBool,
    next_id: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not take the test's assertions down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct LlmServer {
    addr: SocketAddr,
    state: Arc<State>,
    accept: Option<JoinHandle<()>>,
}

impl LlmServer {
    pub fn start() -> LlmServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State {
            started: Instant::now(),
            rules: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            unknown: Mutex::new(Vec::new()),
            conns: Mutex::new(Vec::new()),
            usage_mode: Mutex::new(UsageMode::Always),
            shutdown: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
        });
        let st = Arc::clone(&state);
        let accept = std::thread::Builder::new()
            .name(format!("llm-server-{}", addr.port()))
            .spawn(move || {
                for conn in listener.incoming() {
                    if st.shutdown.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = conn else { continue };
                    if let Ok(clone) = stream.try_clone() {
                        lock(&st.conns).push(clone);
                    }
                    let st = Arc::clone(&st);
                    // Detached: every connection thread polls `shutdown` and exits soon
                    // after the server is dropped (its socket is shut down as well).
                    let _ = std::thread::Builder::new()
                        .name("llm-server-conn".into())
                        .spawn(move || serve_connection(stream, &st));
                }
            })
            .expect("spawn accept thread");
        LlmServer {
            addr,
            state,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT/v1`, for `--base-url`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds a rule after the existing ones (the first matching rule with uses left wins).
    pub fn push_rule(&self, rule: Rule) {
        lock(&self.state.rules).push(rule);
    }

    pub fn clear_rules(&self) {
        lock(&self.state.rules).clear();
    }

    /// Uses left of every rule, in order (`None` = unlimited).
    pub fn rules_remaining(&self) -> Vec<Option<usize>> {
        lock(&self.state.rules)
            .iter()
            .map(|r| r.remaining)
            .collect()
    }

    pub fn set_usage_mode(&self, mode: UsageMode) {
        *lock(&self.state.usage_mode) = mode;
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.state.requests).clone()
    }

    pub fn count(&self) -> usize {
        lock(&self.state.requests).len()
    }

    /// Requests whose prompt contains `needle`.
    pub fn count_matching(&self, needle: &str) -> usize {
        lock(&self.state.requests)
            .iter()
            .filter(|r| r.prompt.contains(needle))
            .count()
    }

    /// `METHOD path` of every request the server did not know how to answer.
    pub fn unknown_paths(&self) -> Vec<String> {
        lock(&self.state.unknown).clone()
    }

    /// Waits until at least `n` requests arrived; false on timeout.
    pub fn wait_for_count(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.count() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.count() >= n
    }
}

impl Drop for LlmServer {
    fn drop(&mut self) {
        self.state.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop, then cut every open connection (hung ones included).
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(500));
        for c in lock(&self.state.conns).drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// The answer streamed when no rule applies: deterministic in the prompt, with the four
/// sections of the pack contract and one bullet each.
pub fn default_answer(prompt: &str) -> String {
    let title: String = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("(empty prompt)")
        .chars()
        .take(80)
        .collect();
    let file = prompt
        .lines()
        .find_map(|l| l.strip_prefix("### File 1: "))
        .map(|p| format!("`{}:1`", p.trim()))
        .unwrap_or_else(|| "the prompt".to_string());
    let digest = fnv1a(prompt.as_bytes());
    format!(
        "## Direct answer\n\
         - Answer to \"{title}\" (digest {digest:016x}), based on {file}.\n\
         \n\
         ## Risks/unknowns\n\
         - Only {file} was examined for \"{title}\"; other callers may differ.\n\
         \n\
         ## Next smallest concrete experiment\n\
         - Add a test around {file} that pins the behaviour asked about.\n\
         \n\
         ## Missing evidence\n\
         - Runtime logs for \"{title}\" were not attached.\n"
    )
}

/// The deterministic `(prompt_tokens, completion_tokens)` the server reports.
pub fn usage_for(prompt: &str, answer: &str) -> (u64, u64) {
    (
        prompt.split_whitespace().count() as u64 + 1,
        answer.split_whitespace().count() as u64,
    )
}

/// The OpenAI-style error body for an HTTP status (messages modelled on api.openai.com's).
pub fn error_body(status: u16) -> Value {
    let (message, kind, code) = match status {
        400 => (
            "Invalid request: the test server rejected this request.",
            "invalid_request_error",
            "invalid_request",
        ),
        401 => (
            "Incorrect API key provided: test. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        ),
        403 => (
            "You are not allowed to access this model.",
            "invalid_request_error",
            "unsupported_country_region_territory",
        ),
        404 => (
            "The model does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        ),
        429 => (
            "Rate limit reached for gpt-5.1 on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
            "requests",
            "rate_limit_exceeded",
        ),
        500 => (
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            "internal_error",
        ),
        502 => ("Bad gateway.", "server_error", "bad_gateway"),
        503 => (
            "The server is overloaded or not ready yet.",
            "server_error",
            "server_overloaded",
        ),
        _ => ("Injected error.", "server_error", "injected_error"),
    };
    json!({"error": {"message": message, "type": kind, "code": code}})
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The user messages' text of a chat-completions (`messages`) or Responses (`input`) body.
fn prompt_of(body: &Value) -> String {
    fn text_of(content: &Value) -> String {
        match content {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n\n"),
            _ => String::new(),
        }
    }
    let items = match (body.get("messages"), body.get("input")) {
        (Some(Value::Array(m)), _) => m.clone(),
        (_, Some(Value::Array(i))) => i.clone(),
        (_, Some(Value::String(s))) => return s.clone(),
        _ => return String::new(),
    };
    items
        .iter()
        .filter(|m| m.get("role").and_then(Value::as_str).unwrap_or("user") == "user")
        .map(|m| text_of(m.get("content").unwrap_or(&Value::Null)))
        .collect::<Vec<_>>()
        .join("\n\n")
}

struct RawRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Reads one request; `None` when the peer closed, the server shuts down or the request
/// is malformed.
fn read_request(reader: &mut BufReader<TcpStream>, st: &State) -> Option<RawRequest> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        loop {
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => return None,
                Ok(_) if line.ends_with(b"\n") => break,
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {
                    if st.shutdown.load(Ordering::SeqCst) {
                        return None;
                    }
                }
                Err(_) => return None,
            }
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        if text.is_empty() {
            if head.is_empty() {
                continue;
            }
            break;
        }
        head.push(text);
    }
    let mut first = head.first()?.split_whitespace();
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = head[1..]
        .iter()
        .filter_map(|h| h.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        read_chunked(reader, st)?
    } else {
        let len: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        read_exact_polling(reader, len, st)?
    };
    Some(RawRequest {
        method,
        path,
        headers,
        body,
    })
}

fn read_exact_polling(
    reader: &mut BufReader<TcpStream>,
    len: usize,
    st: &State,
) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        match reader.read(&mut buf[got..]) {
            Ok(0) => return None,
            Ok(n) => got += n,
            Err(e) if is_timeout(&e) => {
                if st.shutdown.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
    Some(buf)
}

fn read_chunked(reader: &mut BufReader<TcpStream>, st: &State) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let size_line = read_exact_line(reader, st)?;
        let size_hex = size_line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        if size == 0 {
            // Trailers, up to the blank line.
            while !read_exact_line(reader, st)?.is_empty() {}
            return Some(body);
        }
        body.extend(read_exact_polling(reader, size, st)?);
        read_exact_line(reader, st)?;
    }
}

fn read_exact_line(reader: &mut BufReader<TcpStream>, st: &State) -> Option<String> {
    let mut line = Vec::new();
    loop {
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return None,
            Ok(_) if line.ends_with(b"\n") => {
                return Some(String::from_utf8_lossy(&line).trim_end().to_string());
            }
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {
                if st.shutdown.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

fn serve_connection(stream: TcpStream, st: &State) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(25)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let Some(raw) = read_request(&mut reader, st) else {
        return;
    };
    let mut out = write_half;
    let body: Value = serde_json::from_slice(&raw.body).unwrap_or(Value::Null);
    let prompt = if body.is_null() {
        String::from_utf8_lossy(&raw.body).into_owned()
    } else {
        prompt_of(&body)
    };
    let route = raw.path.split('?').next().unwrap_or("").to_string();
    let is_chat = raw.method == "POST" && route.ends_with("/chat/completions");
    let behavior = if is_chat {
        choose(st, &prompt)
    } else {
        Behavior::Default
    };
    let index = {
        let mut reqs = lock(&st.requests);
        reqs.push(Request {
            method: raw.method.clone(),
            path: raw.path.clone(),
            headers: raw.headers,
            body: body.clone(),
            prompt: prompt.clone(),
            behavior: behavior.clone(),
            usage: None,
            at: st.started.elapsed(),
        });
        reqs.len() - 1
    };
    if is_chat {
        let usage = chat(&mut out, &mut reader, st, &body, &prompt, &behavior);
        if usage.is_some()
            && let Some(r) = lock(&st.requests).get_mut(index)
        {
            r.usage = usage;
        }
    } else if raw.method == "GET" && route.ends_with("/models") {
        let list = json!({"object": "list", "data": [
            {"id": "gpt-5.1", "object": "model", "created": 1_700_000_000, "owned_by": "test"}
        ]});
        let _ = send_json(&mut out, 200, &list);
    } else {
        let what = format!("{} {}", raw.method, raw.path);
        eprintln!("llm_server: unknown request {what}; answering 404");
        lock(&st.unknown).push(what);
        let _ = send_json(&mut out, 404, &error_body(404));
    }
    let _ = out.flush();
    let _ = out.shutdown(Shutdown::Both);
}

fn choose(st: &State, prompt: &str) -> Behavior {
    let mut rules = lock(&st.rules);
    for rule in rules.iter_mut() {
        if rule.matches(prompt) {
            if let Some(n) = rule.remaining.as_mut() {
                *n -= 1;
            }
            return rule.behavior.clone();
        }
    }
    Behavior::Default
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn send_json(out: &mut TcpStream, code: u16, v: &Value) -> std::io::Result<()> {
    let body = v.to_string();
    write!(
        out,
        "HTTP/1.1 {code} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-request-id: req_test\r\nconnection: close\r\n\r\n{body}",
        reason(code),
        body.len()
    )
}

/// Waits `d`, or less when the server shuts down or the client hangs up. Returns false
/// when it was cut short.
fn wait_interruptible(reader: &mut BufReader<TcpStream>, st: &State, d: Option<Duration>) -> bool {
    let deadline = d.map(|d| Instant::now() + d);
    let mut scratch = [0u8; 512];
    loop {
        if st.shutdown.load(Ordering::SeqCst) {
            return false;
        }
        if deadline.is_some_and(|t| Instant::now() >= t) {
            return true;
        }
        match reader.read(&mut scratch) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => return false,
        }
    }
}

struct Sse<'a> {
    out: &'a mut TcpStream,
    id: String,
    model: String,
}

impl Sse<'_> {
    fn start(&mut self) -> std::io::Result<()> {
        write!(
            self.out,
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\nx-request-id: req_test\r\nconnection: close\r\n\r\n"
        )?;
        self.out.flush()
    }

    fn raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        write!(self.out, "{:x}\r\n", bytes.len())?;
        self.out.write_all(bytes)?;
        self.out.write_all(b"\r\n")?;
        self.out.flush()
    }

    fn event(&mut self, v: &Value) -> std::io::Result<()> {
        self.raw(format!("data: {v}\n\n").as_bytes())
    }

    fn chunk(&mut self, delta: Value, finish: Option<&str>, usage: Option<Value>) -> Value {
        let mut v = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        });
        if let Some(u) = usage {
            v["usage"] = u;
        }
        v
    }

    fn content(&mut self, text: &str) -> std::io::Result<()> {
        let v = self.chunk(json!({"content": text}), None, None);
        self.event(&v)
    }

    fn done(&mut self) -> std::io::Result<()> {
        self.raw(b"data: [DONE]\n\n")?;
        self.out.write_all(b"0\r\n\r\n")?;
        self.out.flush()
    }
}

fn usage_json(p: u64, c: u64) -> Value {
    json!({"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c})
}

/// Splits `text` into at most three pieces on character boundaries.
fn pieces(text: &str) -> Vec<&str> {
    let chars = text.chars().count();
    if chars < 3 {
        return vec![text];
    }
    let cut = |n: usize| text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
    let (a, b) = (cut(chars / 3), cut(2 * chars / 3));
    vec![&text[..a], &text[a..b], &text[b..]]
}

/// Answers a chat completion; returns the usage it reported.
fn chat(
    out: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    st: &State,
    body: &Value,
    prompt: &str,
    behavior: &Behavior,
) -> Option<(u64, u64)> {
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("gpt-5.1")
        .to_string();
    let id = format!("chatcmpl-test{}", st.next_id.fetch_add(1, Ordering::SeqCst));
    let text = match behavior {
        Behavior::Status(code) => {
            let _ = send_json(out, *code, &error_body(*code));
            return None;
        }
        Behavior::StatusWith { code, body } => {
            let _ = send_json(out, *code, body);
            return None;
        }
        Behavior::Hang => {
            wait_interruptible(reader, st, None);
            return None;
        }
        Behavior::Disconnect => return None,
        Behavior::Delay(d) => {
            if !wait_interruptible(reader, st, Some(*d)) {
                return None;
            }
            default_answer(prompt)
        }
        Behavior::Answer { text } => text.clone(),
        Behavior::Empty => String::new(),
        Behavior::Default | Behavior::CloseEarly | Behavior::CloseMidEvent | Behavior::Stall(_) => {
            default_answer(prompt)
        }
    };
    let (p, c) = usage_for(prompt, &text);
    if !stream {
        let v = json!({
            "id": id, "object": "chat.completion", "created": 1_700_000_000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}],
            "usage": usage_json(p, c),
        });
        return send_json(out, 200, &v).ok().map(|()| (p, c));
    }
    let include_usage = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mode = *lock(&st.usage_mode);
    let mut sse = Sse { out, id, model };
    let result: std::io::Result<Option<(u64, u64)>> = (|| {
        sse.start()?;
        let role = sse.chunk(json!({"role": "assistant", "content": ""}), None, None);
        sse.event(&role)?;
        let parts = pieces(&text);
        match behavior {
            Behavior::CloseEarly => {
                for part in parts.iter().take(2) {
                    sse.content(part)?;
                }
                return Ok(None);
            }
            Behavior::CloseMidEvent => {
                sse.content(parts[0])?;
                sse.raw(b"data: {\"id\":\"c")?;
                return Ok(None);
            }
            Behavior::Stall(d) => {
                sse.content(parts[0])?;
                wait_interruptible(reader, st, Some(*d));
                return Ok(None);
            }
            _ => {}
        }
        if !text.is_empty() {
            for part in parts {
                sse.content(part)?;
            }
        }
        let (usage, sent) = match (mode, include_usage) {
            (UsageMode::Always, _) if !text.is_empty() => (Some(usage_json(p, c)), Some((p, c))),
            _ => (None, None),
        };
        let finish = sse.chunk(json!({}), Some("stop"), usage);
        sse.event(&finish)?;
        if include_usage && mode == UsageMode::WhenAsked {
            let mut u = finish.clone();
            u["choices"] = json!([]);
            u["usage"] = usage_json(p, c);
            sse.event(&u)?;
            sse.done()?;
            return Ok(Some((p, c)));
        }
        sse.done()?;
        Ok(sent)
    })();
    result.ok().flatten()
}
