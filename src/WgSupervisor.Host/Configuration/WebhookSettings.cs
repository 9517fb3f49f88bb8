using System.Text;

namespace WgSupervisor.Host.Configuration;

/// <summary>One webhook: where, which transitions, the HMAC secret, and how hard to try.</summary>
public sealed record WebhookSettings(Uri Url, IReadOnlySet<string> Events, byte[]? Secret, TimeSpan Timeout, int MaxAttempts)
{
    /// <summary>The transitions a webhook can be told about.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["stale", "recovered", "repair-failed", "quarantined", "paused", "resumed", "held"];

    /// <summary>The URL without its path: webhook URLs often carry a secret in their path (chat services do).</summary>
    public string Display => $"{Url.Scheme}://{Url.Authority}/…";

    public override string ToString() => $"{Display} ({string.Join(", ", Events)}{(Secret is null ? "" : ", signed")})";
}

/// <summary>The Webhooks section: a list of webhooks, each read with the same keys.</summary>
public static class WebhookSection
{
    public const string Name = "Webhooks";

    /// <summary>A webhook secret for every webhook without its own SecretFile (outside the WGSUP_ configuration prefix).</summary>
    public const string SecretVariable = "WGSUPERVISOR_WEBHOOK_SECRET";

    // "held" is opt-in: every held tunnel was announced as stale already, and a shared cause holds many tunnels at once,
    // so by default it would double the notices exactly when the receiver is flooded; a hold also ends by itself
    // (unlike a quarantine, which waits for the operator), and "recovered" still follows.
    private static readonly IReadOnlySet<string> DefaultEvents = new HashSet<string>(["stale", "recovered", "quarantined"], StringComparer.Ordinal);

    /// <summary>Stands in until Url is read; a webhook whose Url is missing or wrong is a problem and never used.</summary>
    private static readonly Uri NoUrl = new("http://url.invalid/");

    private static readonly KeyTable<WebhookSettings> Keys = new KeyTable<WebhookSettings>()
        .Key("Url", (k, w) =>
        {
            var url = k.Required();
            if (url is null) return w;
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return w with { Url = uri };
            k.Problem("an absolute http(s) URL");
            return w;
        })
        .Key("Events", (k, w) =>
        {
            var events = k.Section.GetChildren().Select(e => e.Value ?? "").ToList();
            if (events.Count == 0) return w;
            foreach (var (kind, index) in events.Select((e, i) => (e, i)).Where(e => !WebhookSettings.Kinds.Contains(e.e)))
                k.Problem($"{index}", $"'{kind}' is not one of {string.Join(", ", WebhookSettings.Kinds)}");
            return w with { Events = events.ToHashSet(StringComparer.Ordinal) };
        })
        .Key("SecretFile", (k, w) =>
        {
            if (k.Text is not { } secretFile) return w;
            if (File.Exists(secretFile)) return w with { Secret = Encoding.UTF8.GetBytes(File.ReadAllText(secretFile).Trim()) };
            k.Problem($"{secretFile} does not exist");
            return w;
        })
        .Key("TimeoutSeconds", (k, w) => w with { Timeout = k.Seconds(w.Timeout.TotalSeconds, minimum: 0.1) })
        .Key("MaxAttempts", (k, w) => w with { MaxAttempts = k.Integer(w.MaxAttempts, minimum: 1, maximum: 20) });

    /// <param name="environmentSecret">The secret from WGSUPERVISOR_WEBHOOK_SECRET, if set: used by every webhook without a SecretFile.</param>
    public static IReadOnlyList<WebhookSettings> Read(SettingsReader reader, IConfiguration section, string? environmentSecret)
    {
        var start = new WebhookSettings(NoUrl, DefaultEvents, environmentSecret is { Length: > 0 } ? Encoding.UTF8.GetBytes(environmentSecret) : null,
            TimeSpan.FromSeconds(5), 6);
        var webhooks = new List<WebhookSettings>();
        foreach (var webhook in section.GetChildren())
        {
            var before = reader.ProblemCount;
            var settings = Keys.Read(reader, webhook, $"{Name}:{webhook.Key}", start);
            if (reader.ProblemCount == before) webhooks.Add(settings);
        }
        return webhooks;
    }
}
