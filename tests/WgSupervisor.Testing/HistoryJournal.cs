using Akka.Configuration;
using Akka.Persistence.Sql;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Hosting;

namespace WgSupervisor.Testing;

/// <summary>
/// The configuration of an actor system that writes tunnel histories as the host does, made without the generic host
/// (the persistence specs, the journal benchmark): the host's own journal settings and the event serializer.
/// </summary>
public static class HistoryJournal
{
    public static JournalSettings Sqlite(string path) => new(JournalProvider.Sqlite, path, null, SnapshotEvery: 100);

    public static JournalSettings Postgres(string connectionString) => new(JournalProvider.PostgreSql, "", connectionString, SnapshotEvery: 100);

    /// <param name="extra">HOCON that takes precedence (a test's own overrides).</param>
    public static Config ActorSystemConfig(JournalSettings journal, string logLevel = "INFO", string extra = "") =>
        ConfigurationFactory.ParseString($$"""
            akka.loglevel = {{logLevel}}
            akka.actor.serializers.wgsupervisor-events = "WgSupervisor.Actors.Serialization.TunnelEventSerializer, WgSupervisor.Actors"
            akka.actor.serialization-identifiers."WgSupervisor.Actors.Serialization.TunnelEventSerializer, WgSupervisor.Actors" = 7301
            akka.actor.serialization-bindings {
              "WgSupervisor.Domain.Tunnels.ITunnelEvent, WgSupervisor.Domain" = wgsupervisor-events
              "WgSupervisor.Domain.Tunnels.TunnelState, WgSupervisor.Domain" = wgsupervisor-events
            }
            {{extra}}
            """)
            .WithFallback(JournalSetup.Hocon(journal))
            .WithFallback(SqlPersistence.DefaultConfiguration);
}
