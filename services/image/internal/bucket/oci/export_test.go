package oci

// SetListPage sets how many objects each ListObjects of b asks for, so
// that tests page through a few objects.
func SetListPage(b *Bucket, n int) { b.listPage = n }
