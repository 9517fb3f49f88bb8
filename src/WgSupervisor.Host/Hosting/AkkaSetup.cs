using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using SqlJournalOptions = Akka.Persistence.Sql.Hosting.SqlJournalOptions;
using SqlSnapshotOptions = Akka.Persistence.Sql.Hosting.SqlSnapshotOptions;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using LinqToDB;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Data.Sqlite;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Hosting;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Security;

namespace WgSupervisor.Host.Hosting;

/// <summary>Which Akka plugins run, and how they are set: the only place that knows.</summary>
public static class AkkaSetup
{
    public const string ActorSystemName = "wgsupervisor";
    public const string SupervisorRole = "supervisor";
    /// <summary>Checks that /readyz needs to pass (the journal, the poller); /healthz shows them too.</summary>
    public const string ReadinessTag = "ready";

    /// <summary>How long a restarted first seed asks the other seeds before it forms a cluster alone (Akka's default: 5 s).</summary>
    public static readonly TimeSpan SeedNodeTimeout = TimeSpan.FromSeconds(12);

    public static IServiceCollection AddWgSupervisorAkka(this IServiceCollection services, SupervisorSettings config, IWireGuard wireGuard,
        IProber prober)
    {
        var tls = services.AddClusterTls(config);
        var journal = JournalOptionsFor(config.Journal);
        services.AddHealthChecks()
            .AddCheck(JournalHealthCheck.Name, new JournalHealthCheck(config.Journal, journal.Journal.ConnectionString!), HealthStatus.Degraded,
                tags: [ReadinessTag])
            .AddCheck<FleetHealthCheck>(FleetHealthCheck.Name, HealthStatus.Degraded, tags: [ReadinessTag]);
        var fleet = new FleetSettings(
            config.NodeName,
            config.Tunnels,
            PermitLimits.Default with
            {
                MaxConcurrent = config.MaxConcurrentRestarts, MaxPerSite = config.MaxConcurrentRestartsPerSite,
                MaxConcurrentPeer = config.MaxConcurrentPeerRepairs,
            },
            config.PollInterval,
            HistorySettings.Default with
            {
                SnapshotEvery = config.Journal.SnapshotEvery,
                LogAcknowledgements = config.Journal.LogAcknowledgements,
                RetentionDays = config.Journal.RetentionDays,
                KeepLastEvents = config.Journal.KeepLastEvents,
            },
            config.Discover ? config.DiscoveryTemplate : null,
            config.Namespaces,
            config.Cluster.Enabled ? FleetClusterSettings.For(AddressOf(config.Cluster)) with { LeaseDuration = config.Cluster.Lease } : null,
            config.CommonCause);

        return services.AddAkka(ActorSystemName, builder =>
        {
            builder
                .ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLogger<Akka.Logger.Serilog.SerilogLogger>();
                })
                .WithRemoting(RemotingOptionsFor(config.Cluster, tls))
                .WithClustering(new ClusterOptions
                {
                    Roles = [SupervisorRole, .. config.Cluster.Roles ?? []],
                    SeedNodes = config.Cluster.SeedNodes.ToArray(),
                    SplitBrainResolver = SplitBrainOf(config.Cluster),
                })
                .AddHocon($"akka.cluster.split-brain-resolver.stable-after = {config.Cluster.SplitBrainStableAfter.TotalSeconds:0}s", HoconAddMode.Prepend)
                // The first seed, restarted, forms a cluster of its own unless another seed answers within this time. The others
                // refuse its address for remoting's 5-s gate after they lost it, so Akka's default of 5 s raced that gate and a
                // rebooted first gateway could come back as an island (its own budget, its own view).
                .AddHocon($"akka.cluster.seed-node-timeout = {SeedNodeTimeout.TotalSeconds:0}s", HoconAddMode.Prepend)
                .AddHocon(config.Cluster.AcceptableHeartbeatPause is { } pause
                    ? $"akka.cluster.failure-detector.acceptable-heartbeat-pause = {pause.TotalMilliseconds:0}ms"
                    : "", HoconAddMode.Prepend)
                .WithWgSupervisorJournal(journal)
                // Our timers are seconds long: a 100-ms scheduler tick instead of 10 ms takes most of an idle node's CPU away
                // (1,000 tunnels: 2.9 % -> 1.2 % of one core in the scale benchmark).
                .AddHocon("akka.scheduler.tick-duration = 100ms", HoconAddMode.Prepend)
                .WithActorSystemLivenessCheck();
            if (config.Cluster.Enabled)
                builder
                    .WithDistributedPubSub(SupervisorRole)
                    .WithSingleton<RestartBudgetActor>("restart-budget",
                        RestartBudgetActor.Props(BudgetSettings.Default with { MaxConcurrent = config.Cluster.MaxConcurrentRestarts }),
                        new ClusterSingletonOptions { Role = SupervisorRole });
            builder
                .AddFleetActor(fleet, wireGuard, prober)
                .AddStartup((system, _) =>
                {
                    // Without seed nodes this node is a cluster of one: it joins itself.
                    if (config.Cluster.SeedNodes.Count == 0) Cluster.Get(system).Join(Cluster.Get(system).SelfAddress);
                });
        });
    }

    /// <summary>This node's own Akka address as the others reach it (akka.ssl.tcp:// with remoting TLS).</summary>
    public static string AddressOf(SupervisorClusterSettings cluster) =>
        $"{cluster.Scheme}://{ActorSystemName}@{cluster.PublicHostname ?? cluster.Hostname}:{cluster.Port}";

    /// <summary>The largest remoting message: room for a node's full tunnel list up to several thousand tunnels.</summary>
    public const long MaxFrameBytes = 8 * 1024 * 1024;

    /// <summary>
    /// Where remoting listens and, with <paramref name="tls"/>, mutual TLS through Akka's own DotNetty transport: both ends present a
    /// certificate, and ours validates the peer's (chain to the cluster CA or a pinned thumbprint) in place of the system store.
    /// </summary>
    public static RemoteOptions RemotingOptionsFor(SupervisorClusterSettings cluster, ClusterTls? tls) => new()
    {
        HostName = cluster.Hostname, Port = cluster.Port, PublicHostName = cluster.PublicHostname,
        // A node publishes all its tunnels in one message (about 700 bytes each): Akka's default 128,000-byte frame dropped the
        // list of a node with more than ~180 tunnels, whose tunnels then never reached the other nodes' view.
        MaxFrameSize = MaxFrameBytes,
        EnableSsl = tls is not null,
        Ssl = tls is null ? new SslOptions() : new SslOptions
        {
            X509Certificate = tls.Certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = tls.Settings.ValidateHostname,
            CustomValidator = tls.Validator.Callback,
        },
    };

    private static Akka.Cluster.Hosting.SBR.SplitBrainResolverOption SplitBrainOf(SupervisorClusterSettings cluster) => cluster.SplitBrain switch
    {
        "static-quorum" => new Akka.Cluster.Hosting.SBR.StaticQuorumOption { QuorumSize = cluster.QuorumSize },
        "keep-oldest" => new Akka.Cluster.Hosting.SBR.KeepOldestOption { DownIfAlone = true },
        _ => new Akka.Cluster.Hosting.SBR.KeepMajorityOption(),
    };

    public static (SqlJournalOptions Journal, SqlSnapshotOptions Snapshot) JournalOptionsFor(JournalSettings config)
    {
        var (connectionString, provider) = config.Provider switch
        {
            JournalProvider.Sqlite => (PrepareSqlite(config.SqlitePath), ProviderName.SQLiteMS),
            _ => (config.ConnectionString!, ProviderName.PostgreSQL15),
        };
        var journal = new SqlJournalOptions(isDefaultPlugin: true)
        {
            ConnectionString = connectionString,
            ProviderName = provider,
            AutoInitialize = true,
        };
        var snapshot = new SqlSnapshotOptions(isDefaultPlugin: true)
        {
            ConnectionString = connectionString,
            ProviderName = provider,
            AutoInitialize = true,
        };
        return (journal, snapshot);
    }

    /// <summary>Creates the folder and switches the file to WAL (it persists in the file), which suits one writer and many readers.</summary>
    private static string PrepareSqlite(string path)
    {
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = fullPath }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
        return connectionString;
    }
}
