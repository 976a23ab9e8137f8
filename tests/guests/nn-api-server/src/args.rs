//! Command-line options of the server.

/// What the server was asked to do.
pub struct Args {
    /// Address to bind (`--host`, default 127.0.0.1).
    pub host: String,
    /// Port to listen on (`--port`, 0 = any free port).
    pub port: u16,
    /// `--nn-preload` name of the chat model (`--model`).
    pub model: String,
    /// `--nn-preload` name of the embedding model (`--embedding-model`; the chat model when absent).
    pub embedding_model: Option<String>,
    /// Context size in tokens given to the backend (`--ctx-size`).
    pub ctx_size: u32,
    /// Default `max_tokens` when a request gives none (`--n-predict`).
    pub n_predict: u32,
    /// CPU threads for the backend (`--threads`; the backend's default when absent).
    pub threads: Option<u32>,
}

const USAGE: &str = "usage: nn-api-server [--host ADDR] [--port N] [--model NAME] \
[--embedding-model NAME] [--ctx-size N] [--n-predict N] [--threads N]";

impl Args {
    /// Parses the program's arguments (without the program name).
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut out = Args {
            host: "127.0.0.1".into(),
            port: 8080,
            model: "default".into(),
            embedding_model: None,
            ctx_size: 4096,
            n_predict: 1024,
            threads: None,
        };
        while let Some(flag) = args.next() {
            if flag == "--help" || flag == "-h" {
                return Err(USAGE.into());
            }
            let value = args
                .next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            match flag.as_str() {
                "--host" => out.host = value,
                "--port" => out.port = number(&flag, &value)?,
                "--model" => out.model = value,
                "--embedding-model" => out.embedding_model = Some(value),
                "--ctx-size" => out.ctx_size = number(&flag, &value)?,
                "--n-predict" => out.n_predict = number(&flag, &value)?,
                "--threads" => out.threads = Some(number(&flag, &value)?),
                _ => return Err(format!("unknown option {flag}\n{USAGE}")),
            }
        }
        Ok(out)
    }
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: not a valid number: {value}"))
}
