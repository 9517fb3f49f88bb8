using Microsoft.Data.Sqlite;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Persistence.Tests;

/// <summary>
/// The suite runs on the journal settings of the host itself (JournalSetup), not on a copy: on SQLite that means the
/// file in WAL mode and one writer — what the host runs with in production.
/// </summary>
public sealed class HostJournalSettingsSpecs
{
    [Fact]
    public void The_sqlite_file_the_host_configures_is_in_wal_mode_with_one_journal_writer()
    {
        using var db = new SqliteBackend();
        // A plain SQLite file starts in rollback-journal mode: WAL below is the host's doing.
        Assert.Equal("delete", db.Query("PRAGMA journal_mode"));
        SqliteConnection.ClearAllPools();

        var config = db.AkkaConfig();

        Assert.Equal(1, config.GetInt("akka.persistence.journal.sql.parallelism"));
        Assert.Contains(db.FilePath, config.GetString("akka.persistence.journal.sql.connection-string"));
        HistoryPersistenceSpecs.RunSystem(db, "", (system, kit) =>
        {
            var history = HistoryPersistenceSpecs.Attach(system, kit, "tunnel:n1:wal");
            HistoryPersistenceSpecs.Recovered(kit);
            history.Tell(new TunnelHistory.Record(new TunnelBecameHealthy(DateTimeOffset.UtcNow, "ok")), kit.TestActor);
            HistoryPersistenceSpecs.WaitUntilWritten(kit, 1);
        });
        SqliteConnection.ClearAllPools();
        Assert.Equal("wal", db.Query("PRAGMA journal_mode"));
        Assert.Equal(1, db.Scalar("SELECT COUNT(*) FROM journal WHERE persistence_id = 'tunnel:n1:wal'"));
    }
}
