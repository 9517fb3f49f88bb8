using System.Text.Json;

namespace WgSupervisor.Host.Configuration;

/// <summary>
/// Reads config/wgsupervisor.json (or the file given) plus WGSUP_-prefixed environment variables
/// (WGSUP_PollIntervalSeconds, WGSUP_Tunnels__0__StaleAfterSeconds, ...), and validates everything at once:
/// each section is read by its own validator, every problem is collected with its key path, and start-up is
/// refused if there is any.
/// </summary>
public static class ConfigLoader
{
    public const string EnvironmentPrefix = "WGSUP_";
    public const string DefaultPath = "config/wgsupervisor.json";

    /// <summary>Loads and validates; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static SupervisorSettings Load(string path, IDictionary<string, string?>? environment = null)
    {
        string? Variable(string name) => environment is null
            ? Environment.GetEnvironmentVariable(name)
            : environment.TryGetValue(name, out var given) ? given : null;
        var token = Variable(AdminToken.EnvironmentVariable);
        var readToken = Variable(AdminSection.ReadTokenVariable);
        var webhookSecret = Variable(WebhookSection.SecretVariable);
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
        return Read(root, token, webhookSecret, readToken);
    }

    /// <param name="environmentToken">The admin token from WGSUPERVISOR_ADMIN_TOKEN, if set.</param>
    /// <param name="environmentWebhookSecret">The webhook secret from WGSUPERVISOR_WEBHOOK_SECRET, if set.</param>
    /// <param name="environmentReadToken">The admin endpoint's read token from WGSUPERVISOR_ADMIN_READ_TOKEN, if set.</param>
    public static SupervisorSettings Read(IConfiguration root, string? environmentToken = null, string? environmentWebhookSecret = null,
        string? environmentReadToken = null)
    {
        var reader = new SettingsReader();
        var general = RootSection.Read(reader, root);
        var cluster = ClusterSection.Read(reader, root.GetSection(ClusterSection.Name));
        // An https admin endpoint without a certificate of its own shares the node's remoting certificate.
        var admin = AdminSection.Read(reader, root.GetSection(AdminSection.Name), environmentToken, environmentReadToken, cluster.Tls?.Certificate);
        var simulation = SimulationSection.Read(reader, root.GetSection(SimulationSection.Name), general.Backend);
        var journal = JournalSection.Read(reader, root.GetSection(JournalSection.Name));
        var commonCause = CommonCauseSection.Read(reader, root.GetSection(CommonCauseSection.Name));
        var defaults = TunnelSection.ReadDefaults(reader, root.GetSection(TunnelSection.DefaultsName));
        var webhooks = WebhookSection.Read(reader, root.GetSection(WebhookSection.Name), environmentWebhookSecret);
        var tunnels = TunnelSection.ReadTunnels(reader, root.GetSection(TunnelSection.TunnelsName), defaults,
            checkFiles: general.Backend == BackendKind.WireGuard, clusterEnabled: cluster.Enabled);
        reader.ThrowIfAny();
        return new SupervisorSettings(general.NodeName, admin.Url, general.PollInterval, general.MaxConcurrentRestarts, journal, cluster, tunnels,
            reader.Warnings)
        {
            AdminToken = admin.Token,
            AdminReadToken = admin.ReadToken,
            AdminCertificate = admin.Certificate,
            AdminAuthFailures = admin.AuthFailures,
            Webhooks = webhooks,
            Backend = general.Backend,
            Simulation = simulation,
            MaxConcurrentRestartsPerSite = general.MaxConcurrentRestartsPerSite,
            MaxConcurrentPeerRepairs = general.MaxConcurrentPeerRepairs,
            CommonCause = commonCause,
            Discover = general.Discover,
            Namespaces = RootSection.WatchedNamespaces(general, simulation),
            DiscoveryTemplate = TunnelSection.DiscoveryTemplate(defaults),
        };
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
}
