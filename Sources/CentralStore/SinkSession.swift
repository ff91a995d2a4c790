extension SinkConnector {
    /// One session with the central database, from synchronous code (the command line, the
    /// daemon loop): connects, checks the schema when asked, runs `body`, and closes the
    /// connection whether `body` succeeded or not.
    public func session<T: Sendable>(requireSchema: Bool,
                                     _ body: @escaping @Sendable (CentralDatabase) async throws(SinkError) -> T) throws(SinkError) -> T {
        try Blocking.run { () throws(SinkError) -> T in
            let database = try await connect()
            do throws(SinkError) {
                if requireSchema { try await database.requireSchema() }
                let value = try await body(database)
                await database.close()
                return value
            } catch {
                await database.close()
                throw error
            }
        }
    }
}
