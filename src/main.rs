fn main() -> std::process::ExitCode {
    zhengdun::cli::main()
}
