from django.urls import path

from linli.orders import me

app_name = "orders_me"
urlpatterns = [
    path("orders/", me.my_orders, name="orders"),
    path("tasks/", me.my_tasks, name="tasks"),
]
