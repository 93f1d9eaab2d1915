package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/internal/errs"
)

// Label sets of the heketi_* gauges (facts 15.2).
var (
	clusterLabels = []string{"cluster"}
	nodeLabels    = []string{"cluster", "hostname", "storage_hostname"}
	deviceLabels  = []string{"cluster", "hostname", "storage_hostname", "id", "device", "pv_uuid"}
)

func gauge(name, help string, labels []string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// Descriptions of every gauge the stateCollector produces. Names and labels
// of the heketi_* ones are Heketi's, camelCase included.
var (
	descUp           = gauge("heketi_up", "1 if the topology could be read, else 0.", nil)
	descClusters     = gauge("heketi_cluster_count", "Number of clusters.", nil)
	descVolumes      = gauge("heketi_volumes_count", "Number of volumes in a cluster.", clusterLabels)
	descBlockVolumes = gauge("heketi_block_volumes_count", "Number of block volumes in a cluster.", clusterLabels)
	descNodes        = gauge("heketi_nodes_count", "Number of nodes in a cluster.", clusterLabels)
	descDevices      = gauge("heketi_device_count", "Number of devices on a node.", nodeLabels)
	descDevSize      = gauge("heketi_device_size", "Total size of a device in KiB.", deviceLabels)
	descDevFree      = gauge("heketi_device_free", "Free space of a device in KiB.", deviceLabels)
	descDevUsed      = gauge("heketi_device_used", "Used space of a device in KiB.", deviceLabels)
	descDevSizeBytes = gauge("heketi_device_size_bytes", "Total size of a device in bytes.", deviceLabels)
	descDevFreeBytes = gauge("heketi_device_free_bytes", "Free space of a device in bytes.", deviceLabels)
	descDevUsedBytes = gauge("heketi_device_used_bytes", "Used space of a device in bytes.", deviceLabels)
	descDevBricks    = gauge("heketi_device_brick_count", "Number of bricks on a device.", deviceLabels)
	descOpsStale     = gauge("heketi_operations_stale_count", "Pending operations marked stale.", nil)
	descOpsFailed    = gauge("heketi_operations_failed_count", "Pending operations marked failed.", nil)
	descOpsNew       = gauge("heketi_operations_new_count", "Pending operations that are new.", nil)
	descOpsTotal     = gauge("heketi_operations_total_count", "All pending operations.", nil)
	descOpsInFlight  = gauge("heketi_operations_inFlight_count", "Throttled operations running now.", nil)
	descInflightOps  = gauge("basalt_inflight_operations", "Operations holding one of the max_inflight_operations slots.", nil)
	descJobsRunning  = gauge("basalt_jobs_running", "Asynchronous jobs running now.", nil)
	descJobsWaiting  = gauge("basalt_jobs_waiting", "Asynchronous jobs queued behind the running limit.", nil)
)

// stateCollector computes gauges from application state at scrape time.
type stateCollector struct {
	topo Topology
	jobs Jobs
	log  *logrus.Entry
}

// Describe implements prometheus.Collector.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descUp, descClusters, descVolumes, descBlockVolumes, descNodes, descDevices,
		descDevSize, descDevFree, descDevUsed, descDevSizeBytes, descDevFreeBytes, descDevUsedBytes, descDevBricks,
		descOpsStale, descOpsFailed, descOpsNew, descOpsTotal, descOpsInFlight,
		descInflightOps, descJobsRunning, descJobsWaiting,
	} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	if c.jobs != nil {
		st := c.jobs.Stats()
		ch <- prometheus.MustNewConstMetric(descJobsRunning, prometheus.GaugeValue, float64(st.Running))
		ch <- prometheus.MustNewConstMetric(descJobsWaiting, prometheus.GaugeValue, float64(st.Waiting))
	}
	if c.topo == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(descInflightOps, prometheus.GaugeValue, float64(c.topo.InFlight()))
	if ops, err := c.topo.OperationsInfo(); err != nil {
		c.log.WithError(err).Error("metrics: cannot count pending operations")
	} else {
		for d, v := range map[*prometheus.Desc]int{
			descOpsStale: ops.Stale, descOpsFailed: ops.Failed, descOpsNew: ops.New,
			descOpsTotal: ops.Total, descOpsInFlight: ops.InFlight,
		} {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
		}
	}
	if err := c.collectTopology(ch); err != nil {
		c.log.WithError(err).Error("metrics: cannot read the topology")
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
}

// collectTopology reads the whole topology first and only then sends, so a
// failed read sends none of the topology gauges.
func (c *stateCollector) collectTopology(ch chan<- prometheus.Metric) error {
	var out []prometheus.Metric
	add := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	list, err := c.topo.ClusterList()
	if err != nil {
		return err
	}
	add(descClusters, float64(len(list.Clusters)))
	for _, cid := range list.Clusters {
		ci, err := c.topo.ClusterInfo(cid)
		if err != nil {
			return err
		}
		add(descVolumes, float64(len(ci.Volumes)), cid)
		add(descBlockVolumes, float64(len(ci.BlockVolumes)), cid)
		add(descNodes, float64(len(ci.Nodes)), cid)
		for _, nid := range ci.Nodes {
			n, err := c.topo.NodeInfo(nid)
			if errs.Is(err, errs.NotFound) {
				continue // deleted since the cluster was read
			}
			if err != nil {
				return err
			}
			host, storage := first(n.Hostnames.Manage), first(n.Hostnames.Storage)
			add(descDevices, float64(len(n.DevicesInfo)), cid, host, storage)
			for _, d := range n.DevicesInfo {
				l := []string{cid, host, storage, d.ID, d.Name, d.PVUUID}
				s := d.Storage
				add(descDevSize, float64(s.Total), l...)
				add(descDevFree, float64(s.Free), l...)
				add(descDevUsed, float64(s.Used), l...)
				add(descDevSizeBytes, float64(s.Total)*1024, l...)
				add(descDevFreeBytes, float64(s.Free)*1024, l...)
				add(descDevUsedBytes, float64(s.Used)*1024, l...)
				add(descDevBricks, float64(len(d.Bricks)), l...)
			}
		}
	}
	for _, m := range out {
		ch <- m
	}
	return nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
