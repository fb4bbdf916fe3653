//! moto_server (PyPI `moto[server]`, installed by `.ci/run`): the AWS-compatible endpoint the
//! end-to-end tests and the Distributed Map benchmark start on a loopback port, shared by
//! both (the benchmark includes this file).

use std::io::Read;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One moto_server for the whole process (it takes seconds to start); tests keep apart by
/// naming their own tables, buckets and users. It is started through a shell that kills it
/// when the test process goes away and its standard input closes.
struct Moto {
    endpoint: String,
    _child: Child,
}

pub fn moto() -> &'static str {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    &MOTO
        .get_or_init(|| {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let child = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    // `python3 -m moto.server` is `moto_server` without depending on where
                    // pip put its scripts.
                    "python3 -m moto.server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & pid=$!; read _; kill $pid"
                ))
                .stdin(Stdio::piped())
                .spawn()
                .expect("sh runs");
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    use std::io::Write;
                    let _ = s.write_all(b"GET /moto-api/ HTTP/1.0\r\n\r\n");
                    let mut first = [0u8; 12];
                    if s.read_exact(&mut first).is_ok() && first.starts_with(b"HTTP/") {
                        break;
                    }
                }
                assert!(
                    Instant::now() < deadline,
                    "moto_server did not start on port {port}: is moto[server] installed (.ci/run installs it)?"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            Moto {
                endpoint: format!("http://127.0.0.1:{port}"),
                _child: child,
            }
        })
        .endpoint
}
