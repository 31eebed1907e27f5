fn main() {
    std::process::exit(oraclepack::cli::main());
}
