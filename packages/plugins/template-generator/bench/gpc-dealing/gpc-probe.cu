// Which SMs of this GPU share a GPC, and which GPC each block of a one-wave launch lands on.
//
// A thread-block cluster always runs inside one GPC, so SMs that host CTAs of one cluster share a GPC:
// launching the largest co-resident clusters (16, 8, 4, 2 CTAs, one CTA per SM) and joining the SMs of each
// cluster gives the GPC partition (SMs only ever seen in clusters of two stay as pairs). Then a grid of one CTA
// per SM (and one of two-CTA clusters) records, for each block index, the SM and so the GPC it ran on, three
// times over, to show whether the dealing order is the same from launch to launch.
//
// Build and run on any sm_90 host:  nvcc -arch=sm_90a -o gpc-probe gpc-probe.cu && ./gpc-probe
#include <cstdio>
#include <vector>
#include <cuda_runtime.h>

__global__ void where(int* out, long long spin) {
  if (threadIdx.x == 0) {
    unsigned smid;
    asm volatile("mov.u32 %0, %%smid;" : "=r"(smid));
    out[blockIdx.x] = static_cast<int>(smid);
    long long start = clock64();
    while (clock64() - start < spin) {}
  }
}

static int parent[1024];
static int find(int x) { return parent[x] == x ? x : parent[x] = find(parent[x]); }

// Enough shared memory that only one CTA fits on an SM.
constexpr int SHARED_BYTES = 200 * 1024;

// The configuration of a launch of `grid` CTAs of 128 threads in clusters of `cluster` CTAs.
struct ClusterLaunch {
  cudaLaunchConfig_t config = {};
  cudaLaunchAttribute attribute[1] = {};
  ClusterLaunch(int grid, int cluster) {
    config.gridDim = dim3(grid, 1, 1);
    config.blockDim = dim3(128, 1, 1);
    config.dynamicSmemBytes = SHARED_BYTES;
    attribute[0].id = cudaLaunchAttributeClusterDimension;
    attribute[0].val.clusterDim.x = cluster;
    attribute[0].val.clusterDim.y = 1;
    attribute[0].val.clusterDim.z = 1;
    config.attrs = attribute;
    config.numAttrs = 1;
  }
  ClusterLaunch(const ClusterLaunch&) = delete;
  ClusterLaunch& operator=(const ClusterLaunch&) = delete;
};

static std::vector<int> launch(int grid, int cluster, long long spin) {
  int* out;
  cudaMalloc(&out, grid * sizeof(int));
  ClusterLaunch launch_config(grid, cluster);
  cudaError_t e = cudaLaunchKernelEx(&launch_config.config, where, out, spin);
  if (e == cudaSuccess) e = cudaDeviceSynchronize();
  std::vector<int> host(grid, -1);
  if (e != cudaSuccess) printf("launch grid %d cluster %d: %s\n", grid, cluster, cudaGetErrorString(e));
  else cudaMemcpy(host.data(), out, grid * sizeof(int), cudaMemcpyDeviceToHost);
  cudaFree(out);
  return host;
}

int main() {
  cudaFuncSetAttribute(where, cudaFuncAttributeMaxDynamicSharedMemorySize, SHARED_BYTES);
  cudaFuncSetAttribute(where, cudaFuncAttributeNonPortableClusterSizeAllowed, 1);
  int sms = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  for (int i = 0; i < 1024; ++i) parent[i] = i;
  for (int size : {16, 8, 4, 2, 16, 8, 4, 2}) {
    ClusterLaunch probe(size * 64, size);
    int clusters = 0;
    cudaOccupancyMaxActiveClusters(&clusters, where, &probe.config);
    printf("cluster %2d: %d co-resident\n", size, clusters);
    if (clusters == 0) continue;
    std::vector<int> smid = launch(size * clusters, size, 2000000);
    for (int b = 0; b < size * clusters; ++b)
      if (smid[b] >= 0) parent[find(smid[b])] = find(smid[(b / size) * size]);
  }
  int label[1024];
  int groups = 0;
  int root_label[1024];
  for (int i = 0; i < 1024; ++i) root_label[i] = -1;
  printf("GPCs (SM ids sharing clusters), %d SMs:\n", sms);
  for (int s = 0; s < sms; ++s) {
    int r = find(s);
    if (root_label[r] < 0) root_label[r] = groups++;
    label[s] = root_label[r];
  }
  for (int g = 0; g < groups; ++g) {
    int count = 0;
    printf("  G%d:", g);
    for (int s = 0; s < sms; ++s)
      if (label[s] == g) { printf(" %d", s); ++count; }
    printf("  (%d)\n", count);
  }
  for (int cluster : {1, 2}) {
    for (int grid : {sms, 128}) {
      if (grid % cluster) continue;
      std::vector<int> first;
      for (int repeat = 0; repeat < 3; ++repeat) {
        std::vector<int> smid = launch(grid, cluster, 200000);
        if (repeat == 0) first = smid;
        printf("cluster %d grid %3d run %d, GPC by block:", cluster, grid, repeat);
        for (int b = 0; b < grid; ++b) printf("%s%d", b % 16 ? "" : " ", smid[b] >= 0 ? label[smid[b]] : -1);
        printf("  same SMs as run 0: %s\n", smid == first ? "yes" : "no");
      }
      printf("  SM by block (run 0):");
      for (int b = 0; b < grid; ++b) printf(" %d", first[b]);
      printf("\n");
    }
  }
}
