using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Simulation;

namespace WgSupervisor.Host.Configuration;

/// <summary>
/// Reads config/wgsupervisor.json (or the file given) plus WGSUP_-prefixed environment variables
/// (WGSUP_PollIntervalSeconds, WGSUP_Tunnels__0__StaleAfterSeconds, ...), and validates everything at once:
/// every problem is collected with its key path before start-up is refused.
/// </summary>
public static partial class ConfigLoader
{
    public const string EnvironmentPrefix = "WGSUP_";
    public const string DefaultPath = "config/wgsupervisor.json";

    private static readonly string[] RootKeys =
    [
        "NodeName", "Admin", "PollIntervalSeconds", "MaxConcurrentRestarts", "MaxConcurrentRestartsPerSite", "Journal", "Cluster", "Discover",
        "Namespaces", "Backend", "Simulation", "Webhooks", "Defaults", "Tunnels",
    ];
    private static readonly string[] WebhookKeys = ["Url", "Events", "SecretFile", "TimeoutSeconds", "MaxAttempts"];

    /// <summary>A webhook secret for every webhook without its own SecretFile (outside the WGSUP_ configuration prefix).</summary>
    public const string WebhookSecretVariable = "WGSUPERVISOR_WEBHOOK_SECRET";
    private static readonly string[] SimulationKeys =
        ["Tunnels", "Namespace", "BreakEverySeconds", "BreakAllAfterSeconds", "RepairSeconds", "FixProbability", "StateFile", "Seed"];
    private static readonly string[] AdminKeys = ["Url", "TokenFile"];
    private static readonly string[] JournalKeys =
        ["Provider", "SqlitePath", "ConnectionString", "SnapshotEvery", "LogAcknowledgements", "RetentionDays", "KeepLastEvents"];
    private static readonly string[] ClusterKeys =
        ["Enabled", "Hostname", "Port", "PublicHostname", "SeedNodes", "Roles", "MaxConcurrentRestarts", "LeaseSeconds", "SplitBrain", "FailureDetector"];
    private static readonly string[] FailureDetectorKeys = ["AcceptableHeartbeatPauseSeconds"];
    private static readonly string[] SplitBrainKeys = ["Strategy", "QuorumSize", "StableAfterSeconds"];
    private static readonly string[] SplitBrainStrategies = ["keep-majority", "static-quorum", "keep-oldest"];
    private static readonly string[] ThresholdKeys = ["StaleAfterSeconds", "VerifyTimeoutSeconds", "Backoff", "Repair", "ReceiveStallSeconds", "Quarantine"];
    private static readonly string[] QuarantineKeys = ["MaxRepairs", "WindowSeconds", "ReleaseAfterWindow"];
    private static readonly string[] TunnelKeys =
        ["Name", "Interface", "PeerPublicKey", "Namespace", "WgQuickConfig", "Site", "EndpointHost", "Probe", "Standby", "Primary", .. ThresholdKeys];
    private static readonly string[] BackoffKeys = ["BaseSeconds", "Factor", "CapSeconds", "EscalateSeconds"];
    private static readonly string[] ProbeKeys = ["Kind", "Address", "Port", "IntervalSeconds", "TimeoutSeconds", "Failures"];
    private static readonly string[] RungKeys = ["Rung", "VerifyTimeoutSeconds", "SystemdUnit", "Command", "TimeoutSeconds"];

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    /// <summary>wg-quick's own rule for interface names.</summary>
    [GeneratedRegex("^[a-zA-Z0-9_=+.-]{1,15}$")]
    private static partial Regex InterfacePattern();

    /// <summary>Loads and validates; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static SupervisorConfig Load(string path, IDictionary<string, string?>? environment = null)
    {
        string? Variable(string name) => environment is null
            ? Environment.GetEnvironmentVariable(name)
            : environment.TryGetValue(name, out var given) ? given : null;
        var token = Variable(Admin.AdminToken.EnvironmentVariable);
        var webhookSecret = Variable(WebhookSecretVariable);
        if (!File.Exists(path)) throw new ConfigException([new ConfigProblem(path, "the configuration file does not exist")]);
        var syntax = CheckJsonSyntax(path);
        if (syntax is not null) throw new ConfigException([syntax]);

        var builder = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false);
        if (environment is null) builder.AddEnvironmentVariables(EnvironmentPrefix);
        else builder.AddInMemoryCollection(environment.Where(e => e.Key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
            .Select(e => KeyValuePair.Create(e.Key[EnvironmentPrefix.Length..].Replace("__", ":"), e.Value)));
        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            // E.g. a key given twice (keys are case-insensitive): the provider names it in its message.
            throw new ConfigException([new ConfigProblem(path, (e.InnerException ?? e).Message)]);
        }
        return Read(root, token, webhookSecret);
    }

    /// <param name="environmentToken">The admin token from WGSUPERVISOR_ADMIN_TOKEN, if set.</param>
    /// <param name="environmentWebhookSecret">The webhook secret from WGSUPERVISOR_WEBHOOK_SECRET, if set.</param>
    public static SupervisorConfig Read(IConfiguration root, string? environmentToken = null, string? environmentWebhookSecret = null)
    {
        var reader = new Reader();
        reader.RejectUnknown(root, "", RootKeys);

        var nodeName = reader.Text(root, "NodeName") ?? Environment.MachineName;
        if (!NamePattern().IsMatch(nodeName)) reader.Problem("NodeName", "use 1-64 letters, digits, '.', '_' or '-'");

        var admin = root.GetSection("Admin");
        reader.RejectUnknown(admin, "Admin", AdminKeys);
        var adminUrl = reader.Url(admin, "Admin:Url", "http://127.0.0.1:5080");
        var token = ReadToken(reader, admin, environmentToken);
        if (!token.IsSet && !IsLoopback(adminUrl))
            reader.Problem("Admin:Url", $"{adminUrl} is reachable from other hosts: refusing to start without an admin token " +
                                        $"(set {Admin.AdminToken.EnvironmentVariable} or Admin:TokenFile), or bind to 127.0.0.1");

        var pollInterval = reader.Seconds(root, "PollIntervalSeconds", 5, minimum: 0.1);
        var maxRestarts = reader.Integer(root, "MaxConcurrentRestarts", 2, minimum: 1);
        int? maxPerSite = reader.Text(root, "MaxConcurrentRestartsPerSite") is null
            ? null
            : reader.Integer(root, "MaxConcurrentRestartsPerSite", 1, minimum: 1);
        var backend = reader.Choice(root, "Backend", BackendKind.WireGuard);
        var simulation = backend == BackendKind.Simulated ? ReadSimulation(reader, root.GetSection("Simulation")) : null;
        if (backend != BackendKind.Simulated && root.GetSection("Simulation").GetChildren().Any())
            reader.Problem("Simulation", "only read with Backend: Simulated");
        var journal = ReadJournal(reader, root.GetSection("Journal"));
        var cluster = ReadCluster(reader, root.GetSection("Cluster"));

        var defaults = root.GetSection("Defaults");
        reader.RejectUnknown(defaults, "Defaults", ThresholdKeys);
        var baseline = ReadThresholds(reader, defaults, "Defaults", Baseline);

        var webhooks = root.GetSection("Webhooks").GetChildren()
            .Select(section => ReadWebhook(reader, section, $"Webhooks:{section.Key}", environmentWebhookSecret))
            .OfType<Notifications.WebhookSettings>().ToList();
        var discover = reader.Boolean(root, "Discover", true);
        var namespaces = new List<string?> { null };
        if (simulation is not null) namespaces.Add(simulation.Namespace);
        foreach (var entry in root.GetSection("Namespaces").GetChildren())
        {
            if (entry.Value is { } ns && NamePattern().IsMatch(ns)) namespaces.Add(ns);
            else reader.Problem($"Namespaces:{entry.Key}", "not a network namespace name");
        }
        var template = new TunnelSettings
        {
            Name = "discovered", Interface = "wg0", PeerPublicKey = "", WgQuickConfig = "/etc/wireguard/wg0.conf", Discovered = true,
            StaleAfter = baseline.StaleAfter, VerifyTimeout = baseline.VerifyTimeout, Backoff = baseline.Backoff,
            Ladder = baseline.Ladder ?? DefaultLadder, Repair = baseline.Repair, ReceiveStallAfter = baseline.ReceiveStallAfter,
            Quarantine = baseline.Quarantine,
        };

        var tunnels = new List<TunnelSettings>();
        var tunnelSections = root.GetSection("Tunnels").GetChildren().ToList();
        var checkFiles = backend == BackendKind.WireGuard;
        // Names are checked across every entry, valid or not, so that one mistake does not hide another.
        foreach (var group in tunnelSections.Where(t => t["Name"] is { Length: > 0 }).GroupBy(t => t["Name"]!, StringComparer.Ordinal)
                     .Where(g => g.Count() > 1))
            reader.Problem($"Tunnels:{group.Last().Key}:Name", $"the name '{group.Key}' is used by {group.Count()} tunnels; names must be unique");
        foreach (var section in tunnelSections.OrderBy(s => int.TryParse(s.Key, out var i) ? i : int.MaxValue))
            if (ReadTunnel(reader, section, $"Tunnels:{section.Key}", baseline, checkFiles) is { } tunnel) tunnels.Add(tunnel);
        CheckUnique(reader, tunnels);
        if (!cluster.Enabled)
            foreach (var (tunnel, index) in tunnels.Select((t, i) => (t, i)).Where(t => t.t.PartnerNode is not null))
                reader.Problem($"Tunnels:{index}:{(tunnel.Standby is not null ? "Standby" : "Primary")}", "a standby needs Cluster:Enabled true");
        if (tunnels.Count == 0) reader.Warn("Tunnels: no tunnels are configured; the supervisor will watch nothing");

        reader.ThrowIfAny();
        return new SupervisorConfig(nodeName, adminUrl, pollInterval, maxRestarts, journal, cluster, tunnels, reader.Warnings)
        {
            AdminToken = token,
            Webhooks = webhooks,
            Backend = backend,
            Simulation = simulation,
            MaxConcurrentRestartsPerSite = maxPerSite,
            Discover = discover,
            Namespaces = namespaces.Distinct().ToList(),
            DiscoveryTemplate = template,
        };
    }

    private static SimulationSettings ReadSimulation(Reader reader, IConfigurationSection section)
    {
        reader.RejectUnknown(section, "Simulation", SimulationKeys);
        var tunnels = reader.Integer(section, "Simulation:Tunnels", 10, minimum: 1, maximum: 100_000);
        var ns = reader.Text(section, "Namespace") ?? "sim";
        if (!NamePattern().IsMatch(ns)) reader.Problem("Simulation:Namespace", "use 1-64 letters, digits, '.', '_' or '-'");
        TimeSpan? OptionalSeconds(string key) =>
            reader.Text(section, key) is null ? null : reader.Seconds(section, $"Simulation:{key}", 0, minimum: 0.01);
        var fix = reader.Number(section, "Simulation:FixProbability", 0.5, minimum: 0);
        if (fix > 1) reader.Problem("Simulation:FixProbability", "a probability: at most 1");
        return new SimulationSettings(tunnels, ns, OptionalSeconds("BreakEverySeconds"), OptionalSeconds("BreakAllAfterSeconds"),
            OptionalSeconds("RepairSeconds"), fix, reader.Text(section, "StateFile"), reader.Integer(section, "Simulation:Seed", 1, minimum: 0));
    }

    private static Notifications.WebhookSettings? ReadWebhook(Reader reader, IConfigurationSection section, string path, string? environmentSecret)
    {
        reader.RejectUnknown(section, path, WebhookKeys);
        var url = reader.Required(section, $"{path}:Url");
        Uri? uri = null;
        if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out uri) && uri.Scheme is "http" or "https"))
            reader.Problem($"{path}:Url", "an absolute http(s) URL");
        var events = section.GetSection("Events").GetChildren().Select(e => e.Value ?? "").ToList();
        if (events.Count == 0) events = ["stale", "recovered", "quarantined"];
        foreach (var (kind, index) in events.Select((e, i) => (e, i)).Where(e => !Notifications.WebhookSettings.Kinds.Contains(e.e)))
            reader.Problem($"{path}:Events:{index}", $"'{kind}' is not one of {string.Join(", ", Notifications.WebhookSettings.Kinds)}");
        byte[]? secret = environmentSecret is { Length: > 0 } ? System.Text.Encoding.UTF8.GetBytes(environmentSecret) : null;
        if (reader.Text(section, "SecretFile") is { } secretFile)
        {
            if (File.Exists(secretFile)) secret = System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(secretFile).Trim());
            else reader.Problem($"{path}:SecretFile", $"{secretFile} does not exist");
        }
        var timeout = reader.Seconds(section, $"{path}:TimeoutSeconds", 5, minimum: 0.1);
        var attempts = reader.Integer(section, $"{path}:MaxAttempts", 6, minimum: 1, maximum: 20);
        return uri is null ? null : new Notifications.WebhookSettings(uri, events.ToHashSet(StringComparer.Ordinal), secret, timeout, attempts);
    }

    private const int MinimumTokenLength = 16;

    /// <summary>The token from the environment, else from Admin:TokenFile; never from the configuration file itself.</summary>
    private static Admin.AdminToken ReadToken(Reader reader, IConfiguration admin, string? environmentToken)
    {
        var fromFile = reader.Text(admin, "TokenFile");
        string? token = environmentToken;
        if (token is null && fromFile is not null)
        {
            if (!File.Exists(fromFile)) reader.Problem("Admin:TokenFile", $"{fromFile} does not exist");
            else token = File.ReadAllText(fromFile).Trim();
        }
        if (token is null) return Admin.AdminToken.None;
        if (token.Length < MinimumTokenLength || token.Any(char.IsWhiteSpace))
        {
            reader.Problem(environmentToken is not null ? Admin.AdminToken.EnvironmentVariable : "Admin:TokenFile",
                $"the admin token must be at least {MinimumTokenLength} characters without spaces (e.g. openssl rand -hex 24)");
            return Admin.AdminToken.None;
        }
        return Admin.AdminToken.Of(token);
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (System.Net.IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));

    private static JournalConfig ReadJournal(Reader reader, IConfigurationSection section)
    {
        reader.RejectUnknown(section, "Journal", JournalKeys);
        var provider = reader.Choice(section, "Journal:Provider", JournalProvider.Sqlite);
        var sqlitePath = reader.Text(section, "SqlitePath") ?? "data/wgsupervisor.db";
        var connectionString = reader.Text(section, "ConnectionString");
        if (provider == JournalProvider.PostgreSql && string.IsNullOrWhiteSpace(connectionString))
            reader.Problem("Journal:ConnectionString", "required when Journal:Provider is PostgreSql");
        var snapshotEvery = reader.Integer(section, "Journal:SnapshotEvery", 100, minimum: 1);
        var logAcknowledgements = reader.Boolean(section, "Journal:LogAcknowledgements", false);
        int? retentionDays = reader.Text(section, "RetentionDays") is null ? null : reader.Integer(section, "Journal:RetentionDays", 90, minimum: 1);
        var keepLast = reader.Integer(section, "Journal:KeepLastEvents", 1000, minimum: 0);
        return new JournalConfig(provider, sqlitePath, connectionString, snapshotEvery, logAcknowledgements, retentionDays, keepLast);
    }

    private static ClusterConfig ReadCluster(Reader reader, IConfigurationSection section)
    {
        reader.RejectUnknown(section, "Cluster", ClusterKeys);
        var enabled = reader.Boolean(section, "Cluster:Enabled", false);
        var hostname = reader.Text(section, "Hostname") ?? "127.0.0.1";
        var port = reader.Integer(section, "Cluster:Port", enabled ? 4053 : 0, minimum: 0, maximum: 65535);
        var seeds = section.GetSection("SeedNodes").GetChildren().Select(c => c.Value).OfType<string>().ToList();
        foreach (var (seed, index) in seeds.Select((s, i) => (s, i)))
            if (!seed.StartsWith("akka.tcp://", StringComparison.Ordinal))
                reader.Problem($"Cluster:SeedNodes:{index}", "a seed node is an address like akka.tcp://wgsupervisor@host:port");
        if (!enabled && seeds.Count > 0) reader.Problem("Cluster:SeedNodes", "seed nodes are only used with Cluster:Enabled true");
        var roles = section.GetSection("Roles").GetChildren().Select(c => c.Value).OfType<string>().ToList();
        foreach (var (role, index) in roles.Select((r, i) => (r, i)).Where(r => !NamePattern().IsMatch(r.r)))
            reader.Problem($"Cluster:Roles:{index}", "use 1-64 letters, digits, '.', '_' or '-'");
        var budget = reader.Integer(section, "Cluster:MaxConcurrentRestarts", 4, minimum: 1);
        var lease = reader.Seconds(section, "Cluster:LeaseSeconds", 300, minimum: 5);
        var splitBrain = section.GetSection("SplitBrain");
        reader.RejectUnknown(splitBrain, "Cluster:SplitBrain", SplitBrainKeys);
        var strategy = reader.Text(splitBrain, "Strategy") ?? "keep-majority";
        if (!SplitBrainStrategies.Contains(strategy)) reader.Problem("Cluster:SplitBrain:Strategy", $"one of {string.Join(", ", SplitBrainStrategies)}");
        int? quorum = reader.Text(splitBrain, "QuorumSize") is null ? null : reader.Integer(splitBrain, "Cluster:SplitBrain:QuorumSize", 2, minimum: 1);
        if (strategy == "static-quorum" && quorum is null) reader.Problem("Cluster:SplitBrain:QuorumSize", "static-quorum needs a QuorumSize");
        var stableAfter = reader.Seconds(splitBrain, "Cluster:SplitBrain:StableAfterSeconds", 10, minimum: 1);
        var detector = section.GetSection("FailureDetector");
        reader.RejectUnknown(detector, "Cluster:FailureDetector", FailureDetectorKeys);
        TimeSpan? pause = reader.Text(detector, "AcceptableHeartbeatPauseSeconds") is null
            ? null
            : reader.Seconds(detector, "Cluster:FailureDetector:AcceptableHeartbeatPauseSeconds", 3, minimum: 0.5);
        return new ClusterConfig(hostname, port, seeds, enabled, reader.Text(section, "PublicHostname"), roles.Count > 0 ? roles : null, budget,
            lease, strategy, quorum, stableAfter, pause);
    }

    private sealed record ThresholdSettings(TimeSpan StaleAfter, TimeSpan VerifyTimeout, BackoffPolicy Backoff, IReadOnlyList<RepairRung>? Ladder,
        RepairOptions Repair, TimeSpan? ReceiveStallAfter, QuarantinePolicy Quarantine);

    /// <summary>Cheapest first. A ladder given in the configuration replaces this one whole.</summary>
    public static readonly IReadOnlyList<RepairRung> DefaultLadder = RepairLadder.Default;

    private static readonly ThresholdSettings Baseline = new(Thresholds.DefaultStaleAfter, TimeSpan.FromSeconds(20), BackoffPolicy.Default,
        null, RepairOptions.None, null, QuarantinePolicy.Default);

    private static ThresholdSettings ReadThresholds(Reader reader, IConfiguration section, string path, ThresholdSettings fallback)
    {
        var staleAfter = reader.Seconds(section, $"{path}:StaleAfterSeconds", fallback.StaleAfter.TotalSeconds, minimum: 1);
        var verify = reader.Seconds(section, $"{path}:VerifyTimeoutSeconds", fallback.VerifyTimeout.TotalSeconds, minimum: 1);
        var backoffSection = section.GetSection("Backoff");
        reader.RejectUnknown(backoffSection, $"{path}:Backoff", BackoffKeys);
        var backoffBase = reader.Seconds(backoffSection, $"{path}:Backoff:BaseSeconds", fallback.Backoff.Base.TotalSeconds, minimum: 0.1);
        var factor = reader.Number(backoffSection, $"{path}:Backoff:Factor", fallback.Backoff.Factor, minimum: 1);
        var cap = reader.Seconds(backoffSection, $"{path}:Backoff:CapSeconds", fallback.Backoff.Cap.TotalSeconds, minimum: 0.1);
        if (cap < backoffBase) reader.Problem($"{path}:Backoff:CapSeconds", "must not be below Backoff:BaseSeconds");
        var escalate = reader.Seconds(backoffSection, $"{path}:Backoff:EscalateSeconds", fallback.Backoff.Escalation.TotalSeconds, minimum: 0);
        var (ladder, repair) = ReadLadder(reader, section.GetSection("Repair"), $"{path}:Repair", fallback);
        var stall = reader.Text(section, "ReceiveStallSeconds") is null
            ? fallback.ReceiveStallAfter
            : reader.Seconds(section, $"{path}:ReceiveStallSeconds", 0, minimum: 1);
        var quarantineSection = section.GetSection("Quarantine");
        reader.RejectUnknown(quarantineSection, $"{path}:Quarantine", QuarantineKeys);
        var quarantine = new QuarantinePolicy(
            reader.Integer(quarantineSection, $"{path}:Quarantine:MaxRepairs", fallback.Quarantine.MaxRepairs, minimum: 1, maximum: 1000),
            reader.Seconds(quarantineSection, $"{path}:Quarantine:WindowSeconds", fallback.Quarantine.Window.TotalSeconds, minimum: 1),
            reader.Boolean(quarantineSection, $"{path}:Quarantine:ReleaseAfterWindow", fallback.Quarantine.ReleaseAfterWindow));
        return new ThresholdSettings(staleAfter, verify, new BackoffPolicy(backoffBase, factor, cap) { Escalation = escalate }, ladder, repair, stall,
            quarantine);
    }

    /// <summary>Rungs as names ("reset-peer") or objects ({ "Rung": "command", "Command": [...], "TimeoutSeconds": 30 }).</summary>
    private static (IReadOnlyList<RepairRung>? Ladder, RepairOptions Repair) ReadLadder(Reader reader, IConfigurationSection section, string path,
        ThresholdSettings fallback)
    {
        var entries = section.GetChildren().OrderBy(e => int.TryParse(e.Key, out var i) ? i : int.MaxValue).ToList();
        if (entries.Count == 0) return (fallback.Ladder, fallback.Repair);
        var ladder = new List<RepairRung>();
        var verifyTimeouts = new Dictionary<RepairRung, TimeSpan>();
        string? systemdUnit = null;
        IReadOnlyList<string>? command = null;
        var commandTimeout = RepairOptions.None.CommandTimeout;
        foreach (var entry in entries)
        {
            var entryPath = $"{path}:{entry.Key}";
            var name = entry.Value ?? entry["Rung"];
            if (entry.Value is null) reader.RejectUnknown(entry, entryPath, RungKeys);
            if (name is null || !RepairRungs.TryParse(name, out var rung))
            {
                reader.Problem(entry.Value is null ? $"{entryPath}:Rung" : entryPath,
                    "not a repair rung (reresolve-endpoint, reset-peer, restart-interface, command)");
                continue;
            }
            if (ladder.Contains(rung)) reader.Problem(entryPath, $"{rung.ToWireName()} appears twice in the ladder");
            ladder.Add(rung);
            if (entry.Value is not null) continue;
            if (reader.Text(entry, "VerifyTimeoutSeconds") is not null)
                verifyTimeouts[rung] = reader.Seconds(entry, $"{entryPath}:VerifyTimeoutSeconds", 0, minimum: 1);
            if (reader.Text(entry, "SystemdUnit") is { } unit)
            {
                if (rung != RepairRung.RestartInterface) reader.Problem($"{entryPath}:SystemdUnit", "only restart-interface takes a SystemdUnit");
                else if (!UnitPattern().IsMatch(unit)) reader.Problem($"{entryPath}:SystemdUnit", "not a systemd unit name");
                systemdUnit = unit;
            }
            var argv = entry.GetSection("Command").GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue)
                .Select(c => c.Value).ToList();
            if (argv.Count > 0)
            {
                if (rung != RepairRung.Command) reader.Problem($"{entryPath}:Command", "only the command rung takes a Command");
                else if (argv.Any(a => a is null) || !Path.IsPathFullyQualified(argv[0]!))
                    reader.Problem($"{entryPath}:Command", "a list of strings whose first is the program's absolute path");
                command = argv.OfType<string>().ToList();
                commandTimeout = reader.Seconds(entry, $"{entryPath}:TimeoutSeconds", commandTimeout.TotalSeconds, minimum: 1);
            }
            if (rung == RepairRung.Command && argv.Count == 0) reader.Problem($"{entryPath}:Command", "the command rung needs a Command (program and arguments)");
        }
        return (ladder, new RepairOptions(null, systemdUnit, command, commandTimeout, verifyTimeouts));
    }

    private static ProbeSettings? ReadProbe(Reader reader, IConfigurationSection section, string path)
    {
        if (!section.GetChildren().Any()) return null;
        reader.RejectUnknown(section, path, ProbeKeys);
        var kind = reader.Choice(section, $"{path}:Kind", ProbeKind.Icmp);
        var address = reader.Required(section, $"{path}:Address");
        if (address is not null && !System.Net.IPAddress.TryParse(address, out _)) reader.Problem($"{path}:Address", "not an IP address");
        if (kind == ProbeKind.Icmp && address is not null && System.Net.IPAddress.TryParse(address, out var ip) &&
            ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            reader.Problem($"{path}:Address", "ICMP probes take an IPv4 address; use Kind tcp for IPv6");
        int? port = null;
        if (kind == ProbeKind.Tcp) port = reader.Integer(section, $"{path}:Port", 0, minimum: 1, maximum: 65535);
        if (kind == ProbeKind.Tcp && reader.Text(section, "Port") is null) reader.Problem($"{path}:Port", "a tcp probe needs a Port");
        var interval = reader.Seconds(section, $"{path}:IntervalSeconds", ProbeSettings.DefaultInterval.TotalSeconds, minimum: 0.2);
        var timeout = reader.Seconds(section, $"{path}:TimeoutSeconds", ProbeSettings.DefaultTimeout.TotalSeconds, minimum: 0.05);
        if (timeout > interval) reader.Problem($"{path}:TimeoutSeconds", "must not exceed IntervalSeconds");
        var failures = reader.Integer(section, $"{path}:Failures", ProbeSettings.DefaultFailuresBeforeStale, minimum: 1, maximum: 100);
        return address is null ? null : new ProbeSettings(kind, address, port, interval, timeout, failures);
    }

    [GeneratedRegex("^[A-Za-z0-9@_.:-]{1,200}$")]
    private static partial Regex UnitPattern();

    private static TunnelSettings? ReadTunnel(Reader reader, IConfigurationSection section, string path, ThresholdSettings baseline, bool checkFiles)
    {
        var before = reader.ProblemCount;
        reader.RejectUnknown(section, path, TunnelKeys);
        var name = reader.Required(section, $"{path}:Name");
        if (name is not null && !NamePattern().IsMatch(name)) reader.Problem($"{path}:Name", "use 1-64 letters, digits, '.', '_' or '-'");
        var iface = reader.Required(section, $"{path}:Interface");
        if (iface is not null && !InterfacePattern().IsMatch(iface))
            reader.Problem($"{path}:Interface", "not an interface name (1-15 of a-z A-Z 0-9 _ = + . -)");
        var peer = reader.Required(section, $"{path}:PeerPublicKey");
        if (peer is not null && !WireGuardKey.IsValid(peer)) reader.Problem($"{path}:PeerPublicKey", "not a WireGuard public key (44 characters of base64)");
        var ns = reader.Text(section, "Namespace");
        if (ns is not null && !NamePattern().IsMatch(ns)) reader.Problem($"{path}:Namespace", "not a network namespace name");
        var site = reader.Text(section, "Site");
        if (site is not null && !NamePattern().IsMatch(site)) reader.Problem($"{path}:Site", "use 1-64 letters, digits, '.', '_' or '-'");
        var wgQuick = reader.Text(section, "WgQuickConfig") ?? (iface is null ? null : $"/etc/wireguard/{iface}.conf");
        if (wgQuick is not null && iface is not null)
        {
            if (!Path.IsPathFullyQualified(wgQuick)) reader.Problem($"{path}:WgQuickConfig", "use an absolute path");
            else if (Path.GetFileName(wgQuick) != $"{iface}.conf")
                reader.Problem($"{path}:WgQuickConfig", $"wg-quick names the interface after the file: expected a file named {iface}.conf");
            else if (checkFiles && !File.Exists(wgQuick)) reader.Problem($"{path}:WgQuickConfig", $"{wgQuick} does not exist");
        }
        var thresholds = ReadThresholds(reader, section, path, baseline);
        var probe = ReadProbe(reader, section.GetSection("Probe"), $"{path}:Probe");
        var standby = reader.Text(section, "Standby");
        var primary = reader.Text(section, "Primary");
        if (standby is not null && primary is not null) reader.Problem($"{path}:Primary", "a tunnel names either its Standby (on the primary) or its Primary (on the standby), not both");
        foreach (var (key, node) in new[] { ("Standby", standby), ("Primary", primary) })
            if (node is not null && !NamePattern().IsMatch(node)) reader.Problem($"{path}:{key}", "not a node name");
        var endpointHost = reader.Text(section, "EndpointHost");
        if (endpointHost is not null && !EndpointPattern().IsMatch(endpointHost))
            reader.Problem($"{path}:EndpointHost", "use host:port (a name or an address, and the peer's port)");
        if (thresholds.StaleAfter < Thresholds.LowestSafeStaleAfter)
            reader.Warn($"{path}:StaleAfterSeconds: below {Thresholds.LowestSafeStaleAfter.TotalSeconds} s a healthy tunnel between rekeys can look stale");
        if (reader.ProblemCount > before || name is null || iface is null || peer is null || wgQuick is null) return null;
        var tunnel = new TunnelSettings
        {
            Name = name, Interface = iface, PeerPublicKey = peer, Namespace = ns, WgQuickConfig = wgQuick, Site = site,
            StaleAfter = thresholds.StaleAfter, VerifyTimeout = thresholds.VerifyTimeout, Backoff = thresholds.Backoff,
            Repair = thresholds.Repair with { EndpointHost = endpointHost }, Probe = probe, ReceiveStallAfter = thresholds.ReceiveStallAfter,
            Quarantine = thresholds.Quarantine,
            Standby = standby,
            Primary = primary,
        };
        return thresholds.Ladder is null ? tunnel with { Ladder = RepairLadder.ApplicableTo(DefaultLadder, WireGuardAdapter.EndpointOf(tunnel)) } : tunnel with { Ladder = thresholds.Ladder };
    }

    [GeneratedRegex(@"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253}):[0-9]{1,5}$")]
    private static partial Regex EndpointPattern();

    private static void CheckUnique(Reader reader, IReadOnlyList<TunnelSettings> tunnels)
    {
        foreach (var group in tunnels.GroupBy(t => t.Key).Where(g => g.Count() > 1))
            reader.Problem("Tunnels", $"tunnels {string.Join(", ", group.Select(t => t.Name))} are the same peer of the same interface");
    }

    /// <summary>Reports a JSON syntax error with its line, before the configuration binder hides it.</summary>
    private static ConfigProblem? CheckJsonSyntax(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path),
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? null
                : new ConfigProblem(path, $"the configuration must be a JSON object, not {document.RootElement.ValueKind}");
        }
        catch (JsonException e)
        {
            return new ConfigProblem($"{path}, line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}", "invalid JSON");
        }
    }

    /// <summary>Typed reads that record a problem instead of throwing, so that all problems come out at once.</summary>
    private sealed class Reader
    {
        private readonly List<ConfigProblem> _problems = [];
        public List<string> Warnings { get; } = [];
        public int ProblemCount => _problems.Count;

        public void Problem(string where, string problem) => _problems.Add(new ConfigProblem(where, problem));
        public void Warn(string warning) => Warnings.Add(warning);

        public void ThrowIfAny()
        {
            if (_problems.Count > 0) throw new ConfigException(_problems);
        }

        public void RejectUnknown(IConfiguration section, string path, IReadOnlyCollection<string> known)
        {
            foreach (var child in section.GetChildren())
                if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                    Problem(Join(path, child.Key), $"unknown key (known here: {string.Join(", ", known)})");
        }

        public string? Text(IConfiguration section, string key) =>
            section[key] is { Length: > 0 } value ? value : null;

        public string? Required(IConfiguration section, string path)
        {
            var value = Text(section, Leaf(path));
            if (value is null) Problem(path, "is required");
            return value;
        }

        public double Number(IConfiguration section, string path, double fallback, double minimum)
        {
            if (Text(section, Leaf(path)) is not { } text) return fallback;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                Problem(path, $"'{text}' is not a number");
                return fallback;
            }
            if (value < minimum) Problem(path, $"must be at least {minimum.ToString(CultureInfo.InvariantCulture)}");
            return value;
        }

        /// <summary>Longest duration any setting may have: a year is already absurd, beyond it TimeSpan overflows.</summary>
        private const double MaxSeconds = 365 * 24 * 3600;

        public TimeSpan Seconds(IConfiguration section, string path, double fallback, double minimum)
        {
            var seconds = Number(section, path, fallback, minimum);
            if (seconds <= MaxSeconds) return TimeSpan.FromSeconds(Math.Max(seconds, 0));
            Problem(path, $"must be at most {MaxSeconds.ToString(CultureInfo.InvariantCulture)} seconds");
            return TimeSpan.FromSeconds(fallback);
        }

        public int Integer(IConfiguration section, string path, int fallback, int minimum, int maximum = int.MaxValue)
        {
            if (Text(section, Leaf(path)) is not { } text) return fallback;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                Problem(path, $"'{text}' is not a whole number");
                return fallback;
            }
            if (value < minimum || value > maximum) Problem(path, $"must be between {minimum} and {maximum}");
            return value;
        }

        public bool Boolean(IConfiguration section, string path, bool fallback)
        {
            if (Text(section, Leaf(path)) is not { } text) return fallback;
            if (bool.TryParse(text, out var value)) return value;
            Problem(path, $"'{text}' is not true or false");
            return fallback;
        }

        public T Choice<T>(IConfiguration section, string path, T fallback) where T : struct, Enum
        {
            if (Text(section, Leaf(path)) is not { } text) return fallback;
            if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value)) return value;
            Problem(path, $"'{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}");
            return fallback;
        }

        public Uri Url(IConfiguration section, string path, string fallback)
        {
            var text = Text(section, Leaf(path)) ?? fallback;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/") return uri;
            Problem(path, $"'{text}' is not an http(s) URL without a path, like http://127.0.0.1:5080");
            return new Uri(fallback);
        }

        private static string Leaf(string path) => path[(path.LastIndexOf(':') + 1)..];
        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}:{key}";
    }
}
