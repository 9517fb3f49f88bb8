using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using WgSupervisor.Host.Configuration;
using SqlJournalOptions = Akka.Persistence.Sql.Hosting.SqlJournalOptions;
using SqlSnapshotOptions = Akka.Persistence.Sql.Hosting.SqlSnapshotOptions;

namespace WgSupervisor.Host.Hosting;

/// <summary>
/// The journal and snapshot store as the host runs them, in one place, so that the persistence specs run on the
/// same settings (SQLite in WAL mode, one writer) instead of a copy of them.
/// </summary>
public static class JournalSetup
{
    /// <summary>The SQL journal and snapshot store of <see cref="AkkaSetup.JournalOptionsFor"/>, with one writer.</summary>
    public static AkkaConfigurationBuilder WithWgSupervisorJournal(this AkkaConfigurationBuilder builder,
        (SqlJournalOptions Journal, SqlSnapshotOptions Snapshot) options) =>
        builder
            .WithSqlPersistence(options.Journal, options.Snapshot)
            // One writer keeps SQLite free of lock contention (and costs PostgreSQL little at our event rates).
            .AddHocon("akka.persistence.journal.sql.parallelism = 1", HoconAddMode.Prepend);

    /// <summary>The same settings as HOCON, for an actor system made without the generic host (the persistence specs).</summary>
    public static Config Hocon(JournalSettings config) =>
        new AkkaConfigurationBuilder(new ServiceCollection(), AkkaSetup.ActorSystemName)
            .WithWgSupervisorJournal(AkkaSetup.JournalOptionsFor(config))
            .Configuration.Value;
}
