from django.urls import path

from linli.volunteers import me

app_name = "me"
urlpatterns = [
    path("", me.home, name="home"),
    path("points/", me.statement, name="statement"),
    path("hours/", me.my_hours, name="hours"),
    path("mall/", me.my_mall, name="mall"),
    path("mall/<int:reward_id>/redeem/", me.redeem, name="redeem"),
    path("vouchers/", me.vouchers, name="vouchers"),
    path("vouchers/<int:redemption_id>/cancel/", me.voucher_cancel, name="voucher_cancel"),
    path("donate/", me.donate, name="donate"),
    path("certificate/", me.certificate, name="certificate"),
]
