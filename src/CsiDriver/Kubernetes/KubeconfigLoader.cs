using System.Security.Cryptography.X509Certificates;
using CsiDriver.Spec;
using YamlDotNet.Core;

namespace CsiDriver.Kubernetes;

/// <summary>
/// Reads a kubeconfig (for development and out-of-cluster runs): the current context's cluster
/// (<c>server</c>, <c>certificate-authority</c>/<c>-data</c>; <c>insecure-skip-tls-verify</c> is refused), user
/// (<c>token</c>, <c>tokenFile</c>, <c>client-certificate</c>/<c>-data</c> + <c>client-key</c>/<c>-data</c>) and
/// namespace. Several files (KUBECONFIG=a:b) merge first-wins, as kubectl does. Exec and auth-provider
/// plugins are refused with a clear error: the driver does not run external programs.
/// </summary>
public static class KubeconfigLoader
{
    public static KubernetesConnection Load(string paths, TimeProvider time, string? contextOverride = null)
    {
        var files = paths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (files.Length == 0)
        {
            throw new KubernetesConfigException("kubeconfig: no file given");
        }

        // The entries of every file by kind and name, the first of each kept.
        var entries = new Dictionary<(string Kind, string Name), Entry>();
        string? currentContext = null;
        foreach (var file in files)
        {
            if (File.Exists(file))
            {
                var fileContext = Read(file, entries); // Every file is read: a later one may hold the entries the context names.
                currentContext ??= fileContext;
            }
            else if (files.Length == 1)
            {
                throw new KubernetesConfigException($"kubeconfig {file} does not exist");
            }
        }

        var contextName = contextOverride ?? currentContext;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubernetesConfigException($"kubeconfig {paths}: current-context is not set");
        }

        if (!entries.TryGetValue(("context", contextName), out var context))
        {
            throw new KubernetesConfigException($"kubeconfig {paths}: context \"{contextName}\" not found");
        }

        var clusterName = context.Node["cluster"]?.GetValue<string>() ?? string.Empty;
        var userName = context.Node["user"]?.GetValue<string>() ?? string.Empty;
        if (!entries.TryGetValue(("cluster", clusterName), out var cluster))
        {
            throw new KubernetesConfigException($"kubeconfig {paths}: cluster \"{clusterName}\" of context \"{contextName}\" not found");
        }

        var where = $"kubeconfig {cluster.File} (context {contextName})";
        var server = Text(cluster.Node, "server") ?? throw new KubernetesConfigException($"{where}: cluster \"{clusterName}\" has no server");
        if (!Uri.TryCreate(server, UriKind.Absolute, out var serverUri) || serverUri.Scheme is not ("https" or "http"))
        {
            throw new KubernetesConfigException($"{where}: server '{server}' is not an http(s) URL");
        }

        var cas = InlineOrFile(cluster, "certificate-authority", where) is { } ca ? Certificates(ca.Pem, where, ca.Field) : [];

        if (string.Equals(Text(cluster.Node, "insecure-skip-tls-verify"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new KubernetesConfigException($"{where}: insecure-skip-tls-verify is not supported: the driver sends tokens, so it must verify the server; set certificate-authority(-data)");
        }

        IBearerTokenSource token = NoBearerToken.Instance;
        X509Certificate2? clientCertificate = null;
        if (entries.TryGetValue(("user", userName), out var user))
        {
            if (user.Node["exec"] is { } exec)
            {
                throw new KubernetesConfigException(
                    $"{where}: user \"{userName}\" uses an exec credential plugin ({exec["command"]?.GetValue<string>() ?? "?"}), which this driver does not run; use a token, tokenFile or client certificate instead");
            }

            if (user.Node["auth-provider"] is not null)
            {
                throw new KubernetesConfigException($"{where}: user \"{userName}\" uses an auth-provider plugin, which this driver does not support; use a token, tokenFile or client certificate instead");
            }

            if (Text(user.Node, "token") is { } staticToken)
            {
                token = new StaticBearerToken(staticToken);
            }
            else if (Text(user.Node, "tokenFile") is { } tokenFile)
            {
                token = new FileBearerToken(Resolve(user.File, tokenFile), time);
            }

            clientCertificate = ClientCertificate(user, where, userName);
        }

        return new KubernetesConnection
        {
            Server = serverUri,
            CertificateAuthorities = cas,
            Token = token,
            ClientCertificate = clientCertificate,
            Namespace = Text(context.Node, "namespace"),
            Source = where,
        };
    }

    private static X509Certificate2? ClientCertificate(Entry user, string where, string userName)
    {
        var certPem = InlineOrFile(user, "client-certificate", where)?.Pem;
        var keyPem = InlineOrFile(user, "client-key", where)?.Pem;
        if (certPem is null && keyPem is null)
        {
            return null;
        }

        if (certPem is null || keyPem is null)
        {
            throw new KubernetesConfigException($"{where}: user \"{userName}\" needs both a client certificate and a client key");
        }

        try
        {
            return X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (CryptographicException)
        {
            // The exception text may quote key material, so only the field names are reported.
            throw new KubernetesConfigException($"{where}: user \"{userName}\": the client certificate and key are not a valid PEM pair");
        }
    }

    /// <summary>Adds the file's clusters, users and contexts not seen before; returns its current-context.</summary>
    private static string? Read(string file, Dictionary<(string Kind, string Name), Entry> entries)
    {
        JsonObject? root;
        try
        {
            using var reader = File.OpenText(file);
            root = YamlDocuments.Read(reader).FirstOrDefault() as JsonObject;
        }
        catch (YamlException ex)
        {
            throw new KubernetesConfigException($"kubeconfig {file} is not valid YAML (line {ex.Start.Line})");
        }

        foreach (var kind in new[] { "cluster", "user", "context" })
        {
            foreach (var item in (root?[kind + "s"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                if (Text(item, "name") is { } name && item[kind] is JsonObject body)
                {
                    entries.TryAdd((kind, name), new Entry(body, file));
                }
            }
        }

        return Text(root, "current-context");
    }

    private static string? Text(JsonNode? node, string key) =>
        node?[key] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    /// <summary>A PEM given inline (<c>&lt;field&gt;-data</c>, base64) or as a file (<c>&lt;field&gt;</c>), and the field it came from.</summary>
    private static (string Pem, string Field)? InlineOrFile(Entry entry, string field, string where) =>
        Text(entry.Node, field + "-data") is { } data ? (Base64(data, where, field + "-data"), field + "-data")
        : Text(entry.Node, field) is { } file ? (ReadFile(entry.File, file, where, field), field)
        : null;

    private static string Base64(string data, string where, string field)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(data));
        }
        catch (FormatException)
        {
            throw new KubernetesConfigException($"{where}: {field} is not valid base64");
        }
    }

    private static string ReadFile(string kubeconfig, string path, string where, string field)
    {
        var full = Resolve(kubeconfig, path);
        try
        {
            return File.ReadAllText(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigException($"{where}: cannot read {field} file {full}: {ex.Message}");
        }
    }

    /// <summary>Relative paths in a kubeconfig are relative to the kubeconfig's own folder.</summary>
    private static string Resolve(string kubeconfig, string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(kubeconfig))!, path));

    /// <summary>The certificates of a PEM bundle (a CA), at least one.</summary>
    internal static X509Certificate2Collection Certificates(string pem, string where, string field)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            throw new KubernetesConfigException($"{where}: {field} is not a PEM certificate bundle");
        }

        return certificates.Count > 0 ? certificates : throw new KubernetesConfigException($"{where}: {field} holds no certificate");
    }

    private sealed record Entry(JsonObject Node, string File);
}
