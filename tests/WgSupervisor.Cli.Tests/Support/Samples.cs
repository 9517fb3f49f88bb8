namespace WgSupervisor.Cli.Tests.Support;

/// <summary>Tunnel documents shaped as the admin API sends them (camelCase, nulls written out).</summary>
public static class Samples
{
    public static string Tunnel(string name, string state = "healthy", double? handshakeAgeSeconds = 12.4, int restartCount = 0,
        string? site = null, string? lastRepair = null, string? currentRepair = null, string? probe = null, string warnings = "[]",
        string? reason = null, string? cause = null, string? diagnosis = null, string? episodeStartedAt = null) =>
        $$"""
        {"name":"{{name}}","node":"gw1","namespace":"wgs-gw","interface":"wg-{{name}}","peerPublicKey":"nF1tVvDOAQ0S5tLk1lYNx1q0yq2VxXgKxV+7zmF0ukE=",
         "site":{{Json(site ?? name)}},"state":"{{state}}","reason":{{Json(reason)}},"stateSince":"2026-11-25T10:00:00+00:00",
         "handshakeAgeSeconds":{{(handshakeAgeSeconds is { } age ? age.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null")}},
         "latestHandshake":{{(handshakeAgeSeconds is null ? "null" : "\"2026-11-25T10:00:01+00:00\"")}},"rxBytes":1536,"txBytes":2097152,
         "endpoint":"10.250.1.2:51820","interfacePresent":true,"observedAt":"2026-11-25T10:00:02+00:00","restartCount":{{restartCount}},
         "currentRepair":{{currentRepair ?? "null"}},"lastRepair":{{lastRepair ?? "null"}},"backoffUntil":null,"backoffRemainingSeconds":null,
         "verdict":null,"probe":{{probe ?? "null"}},"warnings":{{warnings}},
         "cause":{{Json(cause)}},"diagnosis":{{Json(diagnosis)}},"episodeStartedAt":{{Json(episodeStartedAt)}}}
        """.ReplaceLineEndings("");

    public static string List(params string[] tunnels) => "[" + string.Join(",", tunnels) + "]";

    private static string Json(string? text) => text is null ? "null" : $"\"{text}\"";
}
