package io.oci2vm.daemon.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * A {@link JobStore} in a SQL database through plain JDBC: an embedded H2 file by default, or
 * PostgreSQL. Every state change is one {@code UPDATE ... WHERE id = ? AND state = ?} whose row
 * count says whether it happened, so the database, not this process, decides who wins a race.
 *
 * <p>One connection serves all calls under this object's lock: the store sees a few statements per
 * job, far below what would need a pool, and one connection keeps H2's file open for the daemon's
 * life. A connection the server dropped (SQL state class 08) is reopened on the next call.
 */
public final class JdbcJobStore implements JobStore {
  private static final String COLUMNS = JobRows.COLUMNS;

  private final String url;
  private final String user;
  private final String password;
  private Connection connection;
  private boolean closed;

  private JdbcJobStore(String url, String user, String password) {
    this.url = url;
    this.user = user;
    this.password = password;
  }

  /**
   * Opens (creating) the embedded H2 database {@code dataDir/jobs.mv.db}.
   *
   * <p>{@code WRITE_DELAY=0} makes H2 write each commit to the file before the commit returns (its
   * default buffers commits for up to 500 ms in the JVM), so a SIGKILLed daemon loses no committed
   * change. H2 does not fsync per commit, so an OS crash or power cut can still lose the last
   * moments. {@code DB_CLOSE_ON_EXIT=FALSE} leaves closing to the daemon's own shutdown, after its
   * workers stopped writing.
   */
  public static JdbcJobStore open(Path dataDir) {
    Path db = dataDir.toAbsolutePath().resolve("jobs");
    if (db.toString().contains(";")) {
      throw new IllegalArgumentException("the data directory may not contain ';': " + dataDir);
    }
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new JobStoreException("cannot create the data directory " + dataDir + ": " + e, e);
    }
    return open("jdbc:h2:file:" + db + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0", "sa", "");
  }

  /** Opens the database at a JDBC URL (e.g. PostgreSQL's), creating or upgrading the schema. */
  public static JdbcJobStore open(String jdbcUrl, String user, String password) {
    JdbcJobStore store = new JdbcJobStore(jdbcUrl, user, password);
    try {
      JobSchema.migrate(store.connection());
    } catch (SQLException e) {
      store.close();
      throw new JobStoreException("cannot open the job database " + jdbcUrl + ": " + e, e);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  @Override
  public synchronized Job create(JobRequest request, String trigger) {
    Objects.requireNonNull(request, "request was not specified");
    Objects.requireNonNull(trigger, "trigger was not specified");
    String id = JobIds.next();
    long now = System.currentTimeMillis();
    String requestJson = JobRows.json(request);
    update(
        "INSERT INTO jobs (id, state, request, image, trigger, created, updated, attempts,"
            + " cancel_requested) VALUES (?, ?, ?, ?, ?, ?, ?, 0, FALSE)",
        id,
        JobState.QUEUED.name(),
        requestJson,
        request.image(),
        trigger,
        now,
        now);
    Instant at = Instant.ofEpochMilli(now);
    return new Job(
        id,
        JobState.QUEUED,
        request,
        trigger,
        null,
        null,
        null,
        at,
        at,
        0,
        false,
        null,
        null,
        null);
  }

  @Override
  public synchronized Optional<Job> get(String id) {
    return query("SELECT " + COLUMNS + " FROM jobs WHERE id = ?", id).stream().findFirst();
  }

  @Override
  public synchronized Page list(Query q) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM jobs WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (q.after() != null) {
      sql.append(" AND id < ?");
      args.add(q.after());
    }
    if (q.states() != null && !q.states().isEmpty()) {
      StringJoiner marks = new StringJoiner(", ", " AND state IN (", ")");
      for (JobState s : q.states()) {
        marks.add("?");
        args.add(s.name());
      }
      sql.append(marks);
    }
    if (q.image() != null) {
      sql.append(" AND image LIKE ? ESCAPE '\\'");
      args.add("%" + escapeLike(q.image()) + "%");
    }
    if (q.trigger() != null) {
      sql.append(" AND trigger = ?");
      args.add(q.trigger());
    }
    int limit = Math.max(1, Math.min(500, q.limit()));
    // one row more than asked says whether another page exists, so the last page has no cursor
    sql.append(" ORDER BY id DESC LIMIT ").append(limit + 1);
    List<Job> jobs = query(sql.toString(), args.toArray());
    if (jobs.size() <= limit) {
      return new Page(jobs, null);
    }
    List<Job> page = List.copyOf(jobs.subList(0, limit));
    return new Page(page, page.get(limit - 1).id());
  }

  @Override
  public synchronized boolean start(String id) {
    return update(
            "UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, updated = ?"
                + " WHERE id = ? AND state = 'QUEUED'",
            System.currentTimeMillis(),
            id)
        == 1;
  }

  /** Has no effect unless the job is RUNNING (then {@link #succeed} reports the loss). */
  @Override
  public synchronized void resolved(String id, String imageDigest, String dedupeKey) {
    update(
        "UPDATE jobs SET image_digest = ?, dedupe_key = ?, updated = ?"
            + " WHERE id = ? AND state = 'RUNNING'",
        imageDigest,
        dedupeKey,
        System.currentTimeMillis(),
        id);
  }

  /**
   * Only a job that owns its artifacts counts as SUCCEEDED here (not one sharing another's), so a
   * caller always gets the job whose directory holds the files.
   */
  @Override
  public synchronized Optional<Job> findByKey(String dedupeKey, String excludeId) {
    Objects.requireNonNull(dedupeKey, "dedupeKey was not specified");
    return query(
            "SELECT "
                + COLUMNS
                + " FROM jobs WHERE dedupe_key = ? AND id <> ? AND (state = 'RUNNING' OR"
                + " (state = 'SUCCEEDED' AND shared_with IS NULL AND artifacts IS NOT NULL))"
                + " ORDER BY id DESC LIMIT 1",
            dedupeKey,
            excludeId == null ? "" : excludeId)
        .stream()
        .findFirst();
  }

  @Override
  public synchronized boolean succeed(String id, List<Artifact> artifacts, String sharedWith) {
    String list = artifacts == null || artifacts.isEmpty() ? null : JobRows.json(artifacts);
    return update(
            "UPDATE jobs SET state = 'SUCCEEDED', artifacts = ?, shared_with = ?, updated = ?"
                + " WHERE id = ? AND state = 'RUNNING'",
            list,
            sharedWith,
            System.currentTimeMillis(),
            id)
        == 1;
  }

  @Override
  public synchronized boolean fail(String id, String errorCode, String errorMessage) {
    String message = errorMessage;
    if (message != null && message.length() > JobSchema.MAX_ERROR) {
      message = message.substring(0, JobSchema.MAX_ERROR - 3) + "...";
    }
    return update(
            "UPDATE jobs SET state = 'FAILED', error_code = ?, error_message = ?, updated = ?"
                + " WHERE id = ? AND state IN ('QUEUED', 'RUNNING')",
            errorCode,
            message,
            System.currentTimeMillis(),
            id)
        == 1;
  }

  @Override
  public synchronized boolean cancel(String id) {
    long now = System.currentTimeMillis();
    if (update(
            "UPDATE jobs SET state = 'CANCELLED', updated = ? WHERE id = ? AND state = 'QUEUED'",
            now,
            id)
        == 1) {
      return true;
    }
    // it may have started between the two statements: then this one catches it RUNNING
    return update(
            "UPDATE jobs SET cancel_requested = TRUE, updated = ? WHERE id = ? AND state = 'RUNNING'",
            now,
            id)
        == 1;
  }

  @Override
  public synchronized boolean cancelled(String id) {
    return update(
            "UPDATE jobs SET state = 'CANCELLED', updated = ? WHERE id = ? AND state = 'RUNNING'",
            System.currentTimeMillis(),
            id)
        == 1;
  }

  /**
   * As the interface says, and: a RUNNING job whose cancel was requested becomes CANCELLED rather
   * than running again. All in one transaction, so a crash mid-way leaves no job half-recovered.
   */
  @Override
  public synchronized List<Job> recover(int maxAttempts) {
    long now = System.currentTimeMillis();
    try {
      Connection c = connection();
      c.setAutoCommit(false);
      try {
        update(
            "UPDATE jobs SET state = 'CANCELLED', updated = ?"
                + " WHERE state = 'RUNNING' AND cancel_requested = TRUE",
            now);
        update(
            "UPDATE jobs SET state = 'QUEUED', updated = ? WHERE state = 'RUNNING' AND attempts < ?",
            now,
            maxAttempts);
        update(
            "UPDATE jobs SET state = 'FAILED', error_code = 'INTERRUPTED', error_message = ?,"
                + " updated = ? WHERE state = 'RUNNING'",
            "the daemon stopped while converting, " + maxAttempts + " times; submit it again",
            now);
        List<Job> queued =
            query("SELECT " + COLUMNS + " FROM jobs WHERE state = 'QUEUED' ORDER BY id ASC");
        c.commit();
        return queued;
      } catch (RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /**
   * Also forgets them for the jobs sharing this one's artifacts, which pointed at the same files.
   */
  @Override
  public synchronized void artifactsDeleted(String id) {
    update(
        "UPDATE jobs SET artifacts = NULL, updated = ?"
            + " WHERE (id = ? OR shared_with = ?) AND state = 'SUCCEEDED'",
        System.currentTimeMillis(),
        id,
        id);
  }

  @Override
  public synchronized Map<JobState, Long> counts() {
    Map<JobState, Long> counts = new EnumMap<>(JobState.class);
    for (JobState s : JobState.values()) {
      counts.put(s, 0L);
    }
    try (PreparedStatement ps =
            connection().prepareStatement("SELECT state, COUNT(*) FROM jobs GROUP BY state");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        counts.put(JobState.valueOf(rs.getString(1)), rs.getLong(2));
      }
    } catch (SQLException e) {
      throw failure(e);
    }
    return counts;
  }

  /** Closes the connection (for H2, the database file); later calls fail. Safe to call twice. */
  @Override
  public synchronized void close() {
    closed = true;
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // nothing is pending: every change was committed when its call returned
      }
      connection = null;
    }
  }

  private Connection connection() throws SQLException {
    if (closed) {
      throw new IllegalStateException("the job store is closed");
    }
    if (connection == null) {
      connection = DriverManager.getConnection(url, user, password);
      connection.setAutoCommit(true);
    }
    return connection;
  }

  private int update(String sql, Object... args) {
    try (PreparedStatement ps = prepare(sql, args)) {
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private List<Job> query(String sql, Object... args) {
    try (PreparedStatement ps = prepare(sql, args);
        ResultSet rs = ps.executeQuery()) {
      List<Job> jobs = new ArrayList<>();
      while (rs.next()) {
        jobs.add(JobRows.job(rs));
      }
      return jobs;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private PreparedStatement prepare(String sql, Object... args) throws SQLException {
    PreparedStatement ps = connection().prepareStatement(sql);
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
    return ps;
  }

  private JobStoreException failure(SQLException e) {
    String state = e.getSQLState();
    if (state != null && state.startsWith("08") && connection != null) {
      // the server dropped us: forget the connection so the next call opens a fresh one
      try {
        connection.close();
      } catch (SQLException ignored) {
        // it is already broken
      }
      connection = null;
    }
    return new JobStoreException("the job database failed: " + e.getMessage(), e);
  }

  static String escapeLike(String text) {
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
