using CsiDriver.Csi;
using CsiDriver.Grpc;
using CsiDriver.Kubernetes;
using CsiDriver.Mounting;
using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.Providers.Gcp;
using CsiDriver.Providers.Local;
using CsiDriver.Providers.Plugins;
using CsiDriver.Publishing;
using CsiDriver.Rotation;
using CsiDriver.Spec;
using CsiDriver.State;

namespace CsiDriver.Hosting;

/// <summary>Wires the driver's parts: the one place that knows every concrete type.</summary>
internal static class DriverServices
{
    public static IServiceCollection AddCsiDriver(this IServiceCollection services, DriverOptions options)
    {
        services.TryAddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new Random());
        services.TryAddSingleton(new DriverIdentity(options.DriverName, DriverVersion.Current, options.NodeId));
        services.TryAddSingleton(new PublishingOptions { MaxObjectBytes = options.MaxObjectBytes, MaxVolumeBytes = options.MaxVolumeBytes, MaxVolumeFiles = options.MaxVolumeFiles });

        services.TryAddSingleton<IMounter, LinuxMounter>();
        services.TryAddSingleton<IAtomicWriter, AtomicWriter>();
        services.TryAddSingleton(sp => new FileVolumeRegistry(options.StateDir, sp.GetRequiredService<ILogger<FileVolumeRegistry>>()));
        services.TryAddSingleton<IVolumeRegistry>(sp => sp.GetRequiredService<FileVolumeRegistry>());
        services.TryAddSingleton<StartupReconciler>();
        services.AddKubernetesApi(options);
        services.TryAddSingleton(sp => CreateClassSource(options, sp));
        services.TryAddSingleton<IServiceAccountLookup, NoServiceAccountLookup>();
        services.TryAddSingleton<PublishObservers>();
        services.AddRotation(options);

        services.AddLocalProvider(new LocalProviderOptions { Root = options.LocalStoreRoot, PerNamespace = options.LocalStoreScope != "node", MaxObjectBytes = options.MaxObjectBytes });
        services.AddGcpProvider(options.MaxObjectBytes);
        services.AddAzureProvider(options.MaxObjectBytes);
        services.AddVaultProvider();
        services.AddAwsProvider(options.MaxObjectBytes);
        services.TryAddSingleton(new PluginOptions
        {
            SearchFolders = PluginOptions.FoldersFrom(options.AdditionalProviderVolumePaths, options.ProviderVolume),
            MaxReceiveMessageSize = options.MaxCallRecvMsgSize,
            PreferredPlugins = PluginOptions.SplitList(options.PreferPluginProviders).ToHashSet(StringComparer.Ordinal),
        });
        services.TryAddSingleton<PluginProviderFactory>();
        services.TryAddSingleton<ProviderRegistry>();

        services.TryAddSingleton<MetricsRegistry>();
        services.TryAddSingleton<DriverMetrics>();
        services.TryAddSingleton<HealthAndMetricsEndpoint>();
        services.TryAddSingleton(new Templating.TemplateEngine(Templating.TemplateLimits.Default));
        services.TryAddSingleton<PayloadTransformer>();
        services.TryAddSingleton<VolumePublisher>();
        services.TryAddSingleton<VolumeUnpublisher>();
        services.AddCsiGrpc(options);
        return services;
    }

    /// <summary>The CSI services on Grpc.AspNetCore, with the receive limit and the outcome interceptor.</summary>
    public static IServiceCollection AddCsiGrpc(this IServiceCollection services, DriverOptions options)
    {
        services.TryAddSingleton<VolumeLocks>();
        services.TryAddSingleton<IdentityService>();
        services.TryAddSingleton<ControllerService>();
        services.TryAddSingleton<NodeService>();
        services.TryAddSingleton<CallOutcomeInterceptor>();
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxCallRecvMsgSize;
            grpc.EnableDetailedErrors = false;
            grpc.Interceptors.Add<CallOutcomeInterceptor>();
        });
        return services;
    }

    private static ISecretProviderClassSource CreateClassSource(DriverOptions options, IServiceProvider services) =>
        options.SpcDir is { } directory ? new DirectorySecretProviderClassSource(directory)
        : services.GetService<KubernetesClient>() is { } client ? new ApiSecretProviderClassSource(client)
        : throw new InvalidOperationException("no SecretProviderClass source configured: run in-cluster, pass --kubeconfig FILE, or pass --spc-dir DIR to read manifests from a folder");
}

/// <summary>The version this build reports as vendor_version.</summary>
internal static class DriverVersion
{
    public static string Current { get; } =
        typeof(DriverVersion).Assembly.GetName().Version is { } v ? $"v{v.Major}.{v.Minor}.{v.Build}" : "local-dev";
}
