using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard.Parsing;

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

    private static readonly string[] RootKeys = ["NodeName", "Admin", "PollIntervalSeconds", "MaxConcurrentRestarts", "Journal", "Cluster", "Defaults", "Tunnels"];
    private static readonly string[] AdminKeys = ["Url"];
    private static readonly string[] JournalKeys = ["Provider", "SqlitePath", "ConnectionString", "SnapshotEvery"];
    private static readonly string[] ClusterKeys = ["Hostname", "Port", "SeedNodes"];
    private static readonly string[] ThresholdKeys = ["StaleAfterSeconds", "VerifyTimeoutSeconds", "Backoff", "Repair"];
    private static readonly string[] TunnelKeys = ["Name", "Interface", "PeerPublicKey", "Namespace", "WgQuickConfig", "Site", .. ThresholdKeys];
    private static readonly string[] BackoffKeys = ["BaseSeconds", "Factor", "CapSeconds"];

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    /// <summary>wg-quick's own rule for interface names.</summary>
    [GeneratedRegex("^[a-zA-Z0-9_=+.-]{1,15}$")]
    private static partial Regex InterfacePattern();

    /// <summary>Loads and validates; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static SupervisorConfig Load(string path, IDictionary<string, string?>? environment = null)
    {
        if (!File.Exists(path)) throw new ConfigException([new ConfigProblem(path, "the configuration file does not exist")]);
        var syntax = CheckJsonSyntax(path);
        if (syntax is not null) throw new ConfigException([syntax]);

        var builder = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false);
        if (environment is null) builder.AddEnvironmentVariables(EnvironmentPrefix);
        else builder.AddInMemoryCollection(environment.Where(e => e.Key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
            .Select(e => KeyValuePair.Create(e.Key[EnvironmentPrefix.Length..].Replace("__", ":"), e.Value)));
        return Read(builder.Build());
    }

    public static SupervisorConfig Read(IConfiguration root)
    {
        var reader = new Reader();
        reader.RejectUnknown(root, "", RootKeys);

        var nodeName = reader.Text(root, "NodeName") ?? Environment.MachineName;
        if (!NamePattern().IsMatch(nodeName)) reader.Problem("NodeName", "use 1-64 letters, digits, '.', '_' or '-'");

        var admin = root.GetSection("Admin");
        reader.RejectUnknown(admin, "Admin", AdminKeys);
        var adminUrl = reader.Url(admin, "Admin:Url", "http://127.0.0.1:5080");

        var pollInterval = reader.Seconds(root, "PollIntervalSeconds", 5, minimum: 0.1);
        var maxRestarts = reader.Integer(root, "MaxConcurrentRestarts", 2, minimum: 1);
        var journal = ReadJournal(reader, root.GetSection("Journal"));
        var cluster = ReadCluster(reader, root.GetSection("Cluster"));

        var defaults = root.GetSection("Defaults");
        reader.RejectUnknown(defaults, "Defaults", ThresholdKeys);
        var baseline = ReadThresholds(reader, defaults, "Defaults", Baseline);

        var tunnels = new List<TunnelSettings>();
        var tunnelSections = root.GetSection("Tunnels").GetChildren().ToList();
        foreach (var section in tunnelSections.OrderBy(s => int.TryParse(s.Key, out var i) ? i : int.MaxValue))
            if (ReadTunnel(reader, section, $"Tunnels:{section.Key}", baseline) is { } tunnel) tunnels.Add(tunnel);
        CheckUnique(reader, tunnels);
        if (tunnels.Count == 0) reader.Warn("Tunnels: no tunnels are configured; the supervisor will watch nothing");

        reader.ThrowIfAny();
        return new SupervisorConfig(nodeName, adminUrl, pollInterval, maxRestarts, journal, cluster, tunnels, reader.Warnings);
    }

    private static JournalConfig ReadJournal(Reader reader, IConfigurationSection section)
    {
        reader.RejectUnknown(section, "Journal", JournalKeys);
        var provider = reader.Choice(section, "Journal:Provider", JournalProvider.Sqlite);
        var sqlitePath = reader.Text(section, "SqlitePath") ?? "data/wgsupervisor.db";
        var connectionString = reader.Text(section, "ConnectionString");
        if (provider == JournalProvider.PostgreSql && string.IsNullOrWhiteSpace(connectionString))
            reader.Problem("Journal:ConnectionString", "required when Journal:Provider is PostgreSql");
        var snapshotEvery = reader.Integer(section, "Journal:SnapshotEvery", 100, minimum: 1);
        return new JournalConfig(provider, sqlitePath, connectionString, snapshotEvery);
    }

    private static ClusterConfig ReadCluster(Reader reader, IConfigurationSection section)
    {
        reader.RejectUnknown(section, "Cluster", ClusterKeys);
        var hostname = reader.Text(section, "Hostname") ?? "127.0.0.1";
        var port = reader.Integer(section, "Cluster:Port", 0, minimum: 0, maximum: 65535);
        var seeds = section.GetSection("SeedNodes").GetChildren().Select(c => c.Value).OfType<string>().ToList();
        foreach (var (seed, index) in seeds.Select((s, i) => (s, i)))
            if (!seed.StartsWith("akka.tcp://", StringComparison.Ordinal))
                reader.Problem($"Cluster:SeedNodes:{index}", "a seed node is an address like akka.tcp://wgsupervisor@host:port");
        return new ClusterConfig(hostname, port, seeds);
    }

    private sealed record ThresholdSettings(TimeSpan StaleAfter, TimeSpan VerifyTimeout, BackoffPolicy Backoff, IReadOnlyList<RepairRung> Ladder);

    private static readonly ThresholdSettings Baseline = new(Thresholds.DefaultStaleAfter, TimeSpan.FromSeconds(20), BackoffPolicy.Default,
        [RepairRung.RestartInterface]);

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
        var ladder = ReadLadder(reader, section.GetSection("Repair"), $"{path}:Repair", fallback.Ladder);
        return new ThresholdSettings(staleAfter, verify, new BackoffPolicy(backoffBase, factor, cap), ladder);
    }

    private static IReadOnlyList<RepairRung> ReadLadder(Reader reader, IConfigurationSection section, string path, IReadOnlyList<RepairRung> fallback)
    {
        var entries = section.GetChildren().ToList();
        if (entries.Count == 0) return fallback;
        var ladder = new List<RepairRung>();
        foreach (var entry in entries)
        {
            if (entry.Value is { } text && RepairRungs.TryParse(text, out var rung)) ladder.Add(rung);
            else reader.Problem($"{path}:{entry.Key}", "not a repair rung (restart-interface)");
        }
        return ladder;
    }

    private static TunnelSettings? ReadTunnel(Reader reader, IConfigurationSection section, string path, ThresholdSettings baseline)
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
            else if (!File.Exists(wgQuick)) reader.Problem($"{path}:WgQuickConfig", $"{wgQuick} does not exist");
        }
        var thresholds = ReadThresholds(reader, section, path, baseline);
        if (thresholds.StaleAfter < Thresholds.LowestSafeStaleAfter)
            reader.Warn($"{path}:StaleAfterSeconds: below {Thresholds.LowestSafeStaleAfter.TotalSeconds} s a healthy tunnel between rekeys can look stale");
        if (reader.ProblemCount > before || name is null || iface is null || peer is null || wgQuick is null) return null;
        return new TunnelSettings
        {
            Name = name, Interface = iface, PeerPublicKey = peer, Namespace = ns, WgQuickConfig = wgQuick, Site = site,
            StaleAfter = thresholds.StaleAfter, VerifyTimeout = thresholds.VerifyTimeout, Backoff = thresholds.Backoff, Ladder = thresholds.Ladder,
        };
    }

    private static void CheckUnique(Reader reader, IReadOnlyList<TunnelSettings> tunnels)
    {
        foreach (var group in tunnels.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            reader.Problem("Tunnels", $"the name '{group.Key}' is used by {group.Count()} tunnels; names must be unique");
        foreach (var group in tunnels.GroupBy(t => t.Key).Where(g => g.Count() > 1))
            reader.Problem("Tunnels", $"tunnels {string.Join(", ", group.Select(t => t.Name))} are the same peer of the same interface");
    }

    /// <summary>Reports a JSON syntax error with its line, before the configuration binder hides it.</summary>
    private static ConfigProblem? CheckJsonSyntax(string path)
    {
        try
        {
            using var _ = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return null;
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

        public TimeSpan Seconds(IConfiguration section, string path, double fallback, double minimum) =>
            TimeSpan.FromSeconds(Number(section, path, fallback, minimum));

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
