package io.oci2vm.daemon.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The jobs schema and its migrations. The SQL is kept to what H2 and PostgreSQL both accept:
 * VARCHAR with lengths, BIGINT epoch millis rather than TIMESTAMP (whose time-zone handling
 * differs), BOOLEAN, {@code CREATE ... IF NOT EXISTS}.
 */
final class JobSchema {
  /** The newest schema version this code knows. */
  static final int VERSION = 1;

  /** Large enough for any request or artifact list; VARCHAR(n) rather than CLOB/TEXT for H2. */
  static final int MAX_JSON = 1_000_000;

  static final int MAX_ERROR = 8_000;

  private static final List<String> V1 =
      List.of(
          "CREATE TABLE jobs ("
              + " id VARCHAR(64) PRIMARY KEY,"
              + " state VARCHAR(16) NOT NULL,"
              + " request VARCHAR("
              + MAX_JSON
              + ") NOT NULL,"
              // a copy of request.image, so the image filter does not match other JSON fields
              + " image VARCHAR(4096),"
              + " trigger VARCHAR(256) NOT NULL,"
              + " image_digest VARCHAR(128),"
              + " dedupe_key VARCHAR(2048),"
              + " shared_with VARCHAR(64),"
              + " created BIGINT NOT NULL,"
              + " updated BIGINT NOT NULL,"
              + " attempts INT NOT NULL,"
              + " cancel_requested BOOLEAN NOT NULL,"
              + " error_code VARCHAR(64),"
              + " error_message VARCHAR("
              + MAX_ERROR
              + "),"
              // NULL when the job has no artifacts of its own (none, shared, or deleted)
              + " artifacts VARCHAR("
              + MAX_JSON
              + "))",
          "CREATE INDEX jobs_dedupe_key ON jobs (dedupe_key)",
          "CREATE INDEX jobs_state ON jobs (state)");

  private JobSchema() {}

  /** Creates or upgrades the schema in one transaction; refuses a newer schema. */
  static void migrate(Connection c) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INT NOT NULL)");
      int version = 0;
      try (ResultSet rs = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
        if (rs.next()) {
          version = rs.getInt(1);
        }
      }
      if (version > VERSION) {
        throw new JobStoreException(
            "the job database has schema version "
                + version
                + " but this oci2vm knows only up to "
                + VERSION
                + "; run a newer oci2vm or point it at another data directory");
      }
      if (version < 1) {
        for (String ddl : V1) {
          s.execute(ddl);
        }
        s.execute("INSERT INTO schema_version (version) VALUES (1)");
      }
      // later versions: if (version < 2) { ALTER TABLE ...; INSERT 2 }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }
}
